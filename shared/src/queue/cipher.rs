//! The secret part of a mail job (the reset link), sealed wherever the job rests.
//!
//! A reset link opens an account for an hour, and its job rests in `mail_outbox` (up to a
//! day) and on the Redis stream (until sent). So auth seals the link with AES-256-GCM
//! under `MAIL_JOB_KEY` before the job is written anywhere, and only the mail worker,
//! which holds the same key, opens it, just before rendering the mail. The job's id, kind
//! and recipient are the associated data: a sealed link cannot be moved onto another job
//! or another recipient.
//!
//! Sealed form: `v1.<key id>.<base64url(nonce | ciphertext | tag)>`. The key id (the first
//! 4 bytes of the key's SHA-256, hex) picks the key that opens it, so after a rotation
//! (`MAIL_JOB_KEY=<new>,<old>`: the first key seals, every key opens) jobs sealed with the
//! old key still open. In development, without the variable, a key is generated once into
//! `mail-job-dev-key` next to `JWT_DEV_KEY_FILE`, shared by the local services like the
//! JWT key; production refuses to start without it.

use std::{path::Path, sync::Arc};

use aws_lc_rs::{
    aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey},
    digest,
    rand::{SecureRandom, SystemRandom},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use secrecy::ExposeSecret;

use crate::config::{AppEnv, ConfigError, JwtSettings, MailJobSettings};

const VERSION: &str = "v1";
const KEY_LEN: usize = 32;
/// The development key's file name, in the folder of `JWT_DEV_KEY_FILE`.
pub const DEV_KEY_FILE_NAME: &str = "mail-job-dev-key";

/// Why a sealed value could not be made or opened. The text never holds the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// Not in the sealed form at all.
    #[error("sealed value is malformed")]
    Malformed,
    /// Sealed with a key not configured here (rotated out, or another deployment's).
    #[error("sealed with unknown key {0}")]
    UnknownKey(String),
    /// The ciphertext, or the job it belongs to, was altered.
    #[error("sealed value does not authenticate")]
    Forged,
    /// The system random source failed.
    #[error("sealing failed")]
    Sealing,
}

struct JobKey {
    id: String,
    key: RandomizedNonceKey,
}

/// The keys of `MAIL_JOB_KEY`: the first seals, all open. Cheap to clone.
#[derive(Clone)]
pub struct JobCipher {
    keys: Arc<[JobKey]>,
}

impl JobCipher {
    /// The keys per the module documentation, for auth and the mail worker.
    pub fn from_settings(
        settings: &MailJobSettings,
        jwt: &JwtSettings,
        app_env: AppEnv,
    ) -> Result<Self, ConfigError> {
        let keys = match &settings.job_key {
            Some(keys) => keys.clone(),
            None if app_env == AppEnv::Production => {
                return Err(ConfigError::new(
                    "MAIL_JOB_KEY",
                    "is required in production",
                ));
            }
            None => {
                let path = Path::new(&jwt.dev_key_file).with_file_name(DEV_KEY_FILE_NAME);
                crate::dev_key::load_or_create(&path, JobCipher::generate_key)
                    .map_err(|e| ConfigError::new("JWT_DEV_KEY_FILE", e))?
            }
        };
        Self::from_keys(keys.expose_secret()).map_err(|e| ConfigError::new("MAIL_JOB_KEY", e))
    }

    /// Parses a comma-separated list of base64 32-byte keys, newest first.
    pub fn from_keys(list: &str) -> Result<Self, String> {
        let mut keys: Vec<JobKey> = Vec::new();
        for (n, encoded) in list.split(',').map(str::trim).enumerate() {
            let bytes = STANDARD
                .decode(encoded)
                .ok()
                .filter(|b| b.len() == KEY_LEN)
                .ok_or_else(|| format!("key {} is not 32 bytes in base64", n + 1))?;
            let id = key_id(&bytes);
            if keys.iter().any(|k| k.id == id) {
                return Err(format!("key {} is listed twice", n + 1));
            }
            let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes)
                .map_err(|_| format!("key {} is not usable", n + 1))?;
            keys.push(JobKey { id, key });
        }
        Ok(Self { keys: keys.into() })
    }

    /// A new random key in base64, as `MAIL_JOB_KEY` holds it (`openssl rand -base64 32`
    /// makes one too). For the development key file and tests: keep it secret.
    pub fn generate_key() -> String {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system random source is available");
        STANDARD.encode(bytes)
    }

    /// Seals `plaintext` bound to `context` with the newest key.
    pub fn seal(&self, context: &[u8], plaintext: &str) -> Result<String, CipherError> {
        let newest = &self.keys[0];
        let mut in_out = plaintext.as_bytes().to_vec();
        let nonce = newest
            .key
            .seal_in_place_append_tag(Aad::from(context), &mut in_out)
            .map_err(|_| CipherError::Sealing)?;
        let mut sealed = nonce.as_ref().to_vec();
        sealed.extend_from_slice(&in_out);
        Ok(format!(
            "{VERSION}.{}.{}",
            newest.id,
            URL_SAFE_NO_PAD.encode(sealed)
        ))
    }

    /// Opens a value of [`JobCipher::seal`] bound to the same `context`.
    pub fn open(&self, context: &[u8], sealed: &str) -> Result<String, CipherError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CipherError::Malformed);
        };
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| CipherError::UnknownKey(id.chars().take(8).collect()))?;
        let mut bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CipherError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(CipherError::Malformed);
        }
        let mut in_out = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| CipherError::Malformed)?;
        let plaintext = key
            .key
            .open_in_place(nonce, Aad::from(context), &mut in_out)
            .map_err(|_| CipherError::Forged)?;
        String::from_utf8(plaintext.to_vec()).map_err(|_| CipherError::Forged)
    }
}

/// The first 4 bytes of the key's SHA-256, hex: names the key without revealing it.
fn key_id(key: &[u8]) -> String {
    digest::digest(&digest::SHA256, key).as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(keys: &[&str]) -> JobCipher {
        JobCipher::from_keys(&keys.join(",")).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_with_its_context_and_hides_the_plaintext() {
        let key = JobCipher::generate_key();
        let cipher = cipher(&[&key[..]]);

        let sealed = cipher.seal(b"job-1", "https://x/reset?token=abc").unwrap();

        assert!(!sealed.contains("token"), "{sealed}");
        assert_eq!(
            cipher.open(b"job-1", &sealed).unwrap(),
            "https://x/reset?token=abc"
        );
        assert_eq!(cipher.open(b"job-2", &sealed), Err(CipherError::Forged));
    }

    #[test]
    fn after_a_rotation_values_sealed_with_the_old_key_still_open() {
        let (old, new) = (JobCipher::generate_key(), JobCipher::generate_key());
        let sealed_before = cipher(&[&old[..]]).seal(b"c", "secret").unwrap();
        let rotated = cipher(&[&new[..], &old[..]]);

        assert_eq!(rotated.open(b"c", &sealed_before).unwrap(), "secret");
        let sealed_after = rotated.seal(b"c", "secret").unwrap();
        assert!(matches!(
            cipher(&[&old[..]]).open(b"c", &sealed_after),
            Err(CipherError::UnknownKey(_))
        ));
    }

    #[test]
    fn an_altered_or_truncated_value_does_not_open() {
        let cipher = cipher(&[&JobCipher::generate_key()[..]]);
        let sealed = cipher.seal(b"c", "secret").unwrap();
        let (head, body) = sealed.rsplit_once('.').unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
        let mut flipped = bytes.clone();
        flipped[NONCE_LEN] ^= 1;
        let with_body = |b: &[u8]| format!("{head}.{}", URL_SAFE_NO_PAD.encode(b));

        assert_eq!(
            cipher.open(b"c", &with_body(&flipped)),
            Err(CipherError::Forged)
        );
        assert_eq!(
            cipher.open(b"c", &with_body(&bytes[..bytes.len() - 1])),
            Err(CipherError::Forged)
        );
        assert_eq!(
            cipher.open(b"c", &with_body(&bytes[..NONCE_LEN - 1])),
            Err(CipherError::Malformed)
        );
        assert_eq!(cipher.open(b"c", "plain"), Err(CipherError::Malformed));
        assert_eq!(cipher.open(b"c", ""), Err(CipherError::Malformed));
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64_and_distinct() {
        let key = JobCipher::generate_key();
        let twice = format!("{key},{key}");
        for (list, reason) in [
            ("", "key 1 is not 32 bytes in base64"),
            ("c2hvcnQ=", "key 1 is not 32 bytes in base64"),
            (twice.as_str(), "key 2 is listed twice"),
        ] {
            assert_eq!(JobCipher::from_keys(list).err().as_deref(), Some(reason));
        }
    }

    /// The cipher of a process whose environment is `pairs`.
    fn from_vars(pairs: &[(&str, &str)]) -> Result<JobCipher, ConfigError> {
        let vars = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = crate::config::Env(&vars);
        let app_env = crate::config::ProcessSettings::from_env(&env)?.app_env;
        JobCipher::from_settings(
            &MailJobSettings::from_env(&env)?,
            &JwtSettings::from_env(&env)?,
            app_env,
        )
    }

    #[test]
    fn production_refuses_to_start_without_the_key() {
        let err = from_vars(&[("APP_ENV", "production")]).err().unwrap();

        assert_eq!(
            err.to_string(),
            "configuration error: MAIL_JOB_KEY: is required in production"
        );
    }

    #[test]
    fn development_generates_one_key_file_next_to_the_jwt_key_and_reuses_it() {
        let dir = std::env::temp_dir().join(format!("folio-job-key-{}", uuid::Uuid::new_v4()));
        let jwt = dir.join("jwt-dev-key.pem").display().to_string();
        let vars = [("JWT_DEV_KEY_FILE", jwt.as_str())];

        let sealed = from_vars(&vars).unwrap().seal(b"c", "secret").unwrap();
        let again = from_vars(&vars).unwrap();

        assert_eq!(again.open(b"c", &sealed).unwrap(), "secret");
        assert!(dir.join(DEV_KEY_FILE_NAME).exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! Access tokens: Ed25519 (EdDSA) JWTs with a `kid`, signed by auth and verified by every
//! service against the configured public keys only.
//!
//! Keys come from `JWT_PRIVATE_KEY` (PKCS#8 PEM) and `JWT_PUBLIC_KEYS` (a JWKS document,
//! the same JSON auth serves at `/.well-known/jwks.json`). In development, when neither is
//! set, a key is generated once into `JWT_DEV_KEY_FILE` (git-ignored) and every local
//! service reads it, so nothing needs setting up. Production refuses that fallback.

use std::{collections::HashMap, path::Path};

use aws_lc_rs::{
    digest,
    rand::SystemRandom,
    signature::{Ed25519KeyPair, KeyPair},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::{AppEnv, ConfigError, JwtSettings};

/// `iss` of every Folio token.
pub const ISSUER: &str = "folio-auth";
/// `aud` of every Folio token.
pub const AUDIENCE: &str = "folio-api";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id, as a string.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Issuer ([`ISSUER`]).
    pub iss: String,
    /// Audience ([`AUDIENCE`]).
    pub aud: String,
    /// The user's `token_version` when the token was issued.
    pub ver: i32,
}

impl Claims {
    /// The user id of `sub`, if it is one.
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

/// Why a token was refused; all are answered with the same 401.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Not a JWT, wrong algorithm, unknown `kid`, bad signature or claims.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Past `exp`.
    #[error("token expired")]
    Expired,
}

/// The private key auth signs with.
pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    public_x: String,
}

impl SigningKey {
    /// Reads a PKCS#8 PEM (v1 as `openssl genpkey -algorithm ed25519` writes, or v2).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let der = pem_to_der(pem)?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|_| "not an Ed25519 PKCS#8 private key".to_owned())?;
        let public_x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        Ok(Self {
            kid: thumbprint(&public_x),
            encoding: EncodingKey::from_ed_der(&der),
            public_x,
        })
    }

    /// Generates a fresh key and returns it as PEM.
    pub fn generate_pem() -> String {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .expect("the system random source is available");
        der_to_pem(document.as_ref())
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, as a JWK.
    pub fn public_jwk(&self) -> serde_json::Value {
        jwk(&self.kid, &self.public_x)
    }

    /// Signs `claims` with this key, `kid` in the header.
    pub fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .expect("signing with a parsed Ed25519 key cannot fail")
    }
}

/// The public keys tokens may be signed with, by `kid`.
#[derive(Clone)]
pub struct PublicKeys {
    keys: HashMap<String, (DecodingKey, serde_json::Value)>,
}

impl PublicKeys {
    /// Parses a JWKS document; only `OKP`/`Ed25519` keys are kept.
    pub fn from_jwks(json: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Jwks {
            keys: Vec<RawJwk>,
        }
        #[derive(Deserialize)]
        struct RawJwk {
            kty: String,
            crv: Option<String>,
            x: Option<String>,
            kid: Option<String>,
        }
        let jwks: Jwks =
            serde_json::from_str(json).map_err(|e| format!("not a JWKS document: {e}"))?;
        let mut keys = HashMap::new();
        for key in jwks.keys {
            let (Some(x), Some(kid)) = (key.x, key.kid) else {
                return Err("every key needs `x` and `kid`".to_owned());
            };
            if key.kty != "OKP" || key.crv.as_deref() != Some("Ed25519") {
                return Err(format!("key {kid} is not an Ed25519 (OKP) key"));
            }
            let decoding =
                DecodingKey::from_ed_components(&x).map_err(|e| format!("key {kid}: {e}"))?;
            keys.insert(kid.clone(), (decoding, jwk(&kid, &x)));
        }
        if keys.is_empty() {
            return Err("no keys".to_owned());
        }
        Ok(Self { keys })
    }

    /// The keys of one signing key (auth verifying its own tokens).
    pub fn from_signing_key(key: &SigningKey) -> Self {
        let decoding = DecodingKey::from_ed_components(&key.public_x)
            .expect("a key we derived ourselves is valid base64url");
        let mut keys = HashMap::new();
        keys.insert(key.kid.clone(), (decoding, key.public_jwk()));
        Self { keys }
    }

    /// Adds the keys of `other` (rotation: old and new keys both verify).
    pub fn extend(&mut self, other: PublicKeys) {
        self.keys.extend(other.keys);
    }

    /// The JWKS document of these keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> serde_json::Value {
        let mut keys: Vec<_> = self.keys.values().map(|(_, jwk)| jwk.clone()).collect();
        keys.sort_by(|a, b| a["kid"].as_str().cmp(&b["kid"].as_str()));
        serde_json::json!({ "keys": keys })
    }

    /// Verifies signature, algorithm (EdDSA only), `kid`, `iss`, `aud` and `exp`.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let invalid = |e: &dyn std::fmt::Display| TokenError::Invalid(e.to_string());
        let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(&e))?;
        // Pin the algorithm before looking at anything else: `none`, HS256 and friends
        // never reach key selection.
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} refused",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Invalid("no kid".into()))?;
        let (key, _) = self
            .keys
            .get(&kid)
            .ok_or_else(|| TokenError::Invalid("unknown kid".into()))?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => invalid(&e),
            })
    }
}

/// The keys of a process: auth has a signing key, every service has the public keys.
pub struct Keys {
    /// Present when a private key is configured (or generated in development).
    pub signing: Option<SigningKey>,
    /// Keys accepted when verifying.
    pub public: PublicKeys,
}

impl Keys {
    /// Loads keys per the module documentation. `needs_signing` is true for auth.
    pub fn from_settings(
        settings: &JwtSettings,
        app_env: AppEnv,
        needs_signing: bool,
    ) -> Result<Self, ConfigError> {
        let production = app_env == AppEnv::Production;
        let private_pem = match &settings.private_key {
            Some(pem) => Some(pem.expose_secret().to_owned()),
            None if production && needs_signing => {
                return Err(ConfigError::new(
                    "JWT_PRIVATE_KEY",
                    "is required in production",
                ));
            }
            None if production || settings.public_keys.is_some() => None,
            None => Some(
                load_or_create_dev_key(Path::new(&settings.dev_key_file))
                    .map_err(|e| ConfigError::new("JWT_DEV_KEY_FILE", e))?
                    .expose_secret()
                    .to_owned(),
            ),
        };
        let signing = private_pem
            .map(|pem| {
                SigningKey::from_pem(&pem).map_err(|e| ConfigError::new("JWT_PRIVATE_KEY", e))
            })
            .transpose()?;
        let configured = settings
            .public_keys
            .as_deref()
            .map(|json| {
                PublicKeys::from_jwks(json).map_err(|e| ConfigError::new("JWT_PUBLIC_KEYS", e))
            })
            .transpose()?;
        let public = match (configured, &signing) {
            (Some(mut keys), Some(signing)) => {
                keys.extend(PublicKeys::from_signing_key(signing));
                keys
            }
            (Some(keys), None) => keys,
            (None, Some(signing)) => PublicKeys::from_signing_key(signing),
            (None, None) => {
                return Err(ConfigError::new(
                    "JWT_PUBLIC_KEYS",
                    "is required in production",
                ));
            }
        };
        Ok(Self {
            signing: if needs_signing { signing } else { None },
            public,
        })
    }
}

/// Reads the development signing key, generating it first if absent (see [`dev_key`]).
///
/// [`dev_key`]: crate::dev_key
pub fn load_or_create_dev_key(path: &Path) -> Result<SecretString, String> {
    crate::dev_key::load_or_create(path, SigningKey::generate_pem)
}

fn jwk(kid: &str, x: &str) -> serde_json::Value {
    serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"
    })
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, base64url.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>, String> {
    // Secret managers and .env files often turn newlines into literal `\n`.
    let pem = pem.replace("\\n", "\n");
    if !pem.contains("-----BEGIN PRIVATE KEY-----") {
        return Err("expected a PEM `BEGIN PRIVATE KEY` block".to_owned());
    }
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    STANDARD
        .decode(body)
        .map_err(|_| "the PEM body is not base64".to_owned())
}

fn der_to_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests;

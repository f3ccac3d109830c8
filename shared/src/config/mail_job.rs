//! The password-reset mail job group, read by auth (which seals and sends the job) and
//! the mail worker (which opens it and states the link's lifetime in the mail).

use secrecy::SecretString;

use super::{ConfigError, Env};

/// `MAIL_JOB_KEY` and `RESET_TOKEN_EXPIRE_MINUTES`.
#[derive(Debug, Clone)]
pub struct MailJobSettings {
    /// `MAIL_JOB_KEY`: base64 AES-256 keys sealing the secret part of mail jobs (the reset
    /// link), comma-separated, newest first (see `queue::cipher`).
    pub job_key: Option<SecretString>,
    /// `RESET_TOKEN_EXPIRE_MINUTES` (60, 1 to 10080): the reset link's lifetime.
    pub reset_token_expire_minutes: i64,
}

impl MailJobSettings {
    /// Reads the group; the key itself is checked by `queue::JobCipher` where it is used.
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            job_key: env.get("MAIL_JOB_KEY").map(Into::into),
            // Bounded so expiry arithmetic cannot overflow and no link lives for ever.
            reset_token_expire_minutes: env.parse_in_range(
                "RESET_TOKEN_EXPIRE_MINUTES",
                60,
                1,
                10_080,
            )?,
        })
    }
}

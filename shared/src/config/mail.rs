//! The mail worker's SMTP group.

use secrecy::SecretString;

use super::{ConfigError, Env};

/// SMTP settings of the mail worker.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `MAIL_SERVER`: SMTP host.
    pub server: String,
    /// `MAIL_PORT` (587); 465 means implicit TLS.
    pub port: u16,
    /// `MAIL_USERNAME`, empty for no authentication.
    pub username: String,
    /// `MAIL_PASSWORD`.
    pub password: SecretString,
    /// `MAIL_FROM`: the sender address.
    pub from: String,
    /// `MAIL_USE_TLS` (true): STARTTLS on ports other than 465.
    pub use_tls: bool,
    /// `MAIL_MAX_ATTEMPTS` (5): sends tried before a job goes to the dead letters.
    pub max_attempts: u32,
    /// `MAIL_RECLAIM_IDLE_SECONDS` (60): a job idle this long in another worker (which
    /// died or hung) is taken over; must exceed the slowest send (10 s).
    pub reclaim_idle_secs: u64,
    /// `MAIL_CONCURRENCY` (4): mails one worker process sends at once, each through its
    /// own stream consumer and SMTP connection (a send mostly waits on the server).
    pub concurrency: u32,
}

impl MailSettings {
    /// Reads the `MAIL_*` SMTP variables.
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            server: env.get_or("MAIL_SERVER", "localhost"),
            port: env.parse_or("MAIL_PORT", 587)?,
            username: env.get_or("MAIL_USERNAME", ""),
            password: env.get_or("MAIL_PASSWORD", "").into(),
            from: env.get_or("MAIL_FROM", "noreply@folio.local"),
            use_tls: env.parse_bool_or("MAIL_USE_TLS", true)?,
            max_attempts: env.parse_positive_or("MAIL_MAX_ATTEMPTS", 5)?,
            reclaim_idle_secs: env.parse_positive_or("MAIL_RECLAIM_IDLE_SECONDS", 60)?,
            concurrency: env.parse_positive_or("MAIL_CONCURRENCY", 4)?,
        })
    }
}

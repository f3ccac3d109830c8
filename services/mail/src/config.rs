//! The mail worker's settings: the shared groups it uses and its own variables (SMTP, the
//! active window). It reads nothing else, so a bad value of another service's variable
//! never stops it.

use std::{collections::HashMap, time::Duration};

use folio_shared::config::{
    ConfigError, DatabaseSettings, Env, JwtSettings, MailJobSettings, MailWakeSettings,
    ProcessSettings, RedisSettings, ServiceSettings, frontend_url,
};
use secrecy::SecretString;

/// Every setting the mail worker reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`, `PORT` (the health and wake server).
    pub process: ProcessSettings,
    /// `DATABASE_*`: the outbox.
    pub database: DatabaseSettings,
    /// `REDIS_*`: the stream.
    pub redis: RedisSettings,
    /// `FRONTEND_URL`: the base of the links the mails carry.
    pub frontend_url: String,
    /// `JWT_DEV_KEY_FILE`: the development job key is kept next to it.
    pub jwt: JwtSettings,
    /// `MAIL_JOB_KEY`, `RESET_TOKEN_EXPIRE_MINUTES`: opening the link, and stating its
    /// lifetime.
    pub mail_job: MailJobSettings,
    /// `MAIL_WAKE_TOKEN`: the bearer token a wake must carry.
    pub mail_wake: MailWakeSettings,
    /// `MAIL_*`: SMTP.
    pub mail: MailSettings,
    /// `MAIL_ACTIVE_SECONDS`, `MAIL_ALWAYS_ON`: when the worker goes quiet.
    pub window: WindowSettings,
}

impl ServiceSettings for Settings {
    fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let process = ProcessSettings::from_env(&env)?;
        let app_env = process.app_env;
        Ok(Self {
            process,
            database: DatabaseSettings::from_env(&env, app_env)?,
            redis: RedisSettings::from_env(&env, app_env)?,
            frontend_url: frontend_url(&env, app_env)?,
            jwt: JwtSettings::from_env(&env)?,
            mail_job: MailJobSettings::from_env(&env)?,
            mail_wake: MailWakeSettings::from_env(&env, app_env),
            mail: MailSettings::from_env(&env)?,
            window: WindowSettings::from_env(&env)?,
        })
    }
}

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
    fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
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

/// When the worker goes quiet (see [`crate::activity`]).
#[derive(Debug, Clone, Copy)]
pub struct WindowSettings {
    /// `MAIL_ACTIVE_SECONDS` (600): how long the worker keeps working after the last wake
    /// or the last mail it handled, before it goes quiet.
    pub active_secs: u64,
    /// `MAIL_ALWAYS_ON` (false): never go quiet (the always-on deployment).
    pub always_on: bool,
}

impl WindowSettings {
    fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            active_secs: env.parse_positive_or("MAIL_ACTIVE_SECONDS", 600)?,
            always_on: env.parse_bool_or("MAIL_ALWAYS_ON", false)?,
        })
    }

    /// The active window ([`WindowSettings::active_secs`]).
    pub fn active_window(&self) -> Duration {
        Duration::from_secs(self.active_secs)
    }
}

#[cfg(test)]
mod tests;

//! Typed settings read once from the environment, with the defaults of `docs/configuration.md`.
//!
//! Settings come in groups, each with its loader: [`ProcessSettings`] (`APP_ENV`, `PORT`),
//! [`DatabaseSettings`], [`RedisSettings`], [`JwtSettings`], [`PictureUrlSettings`],
//! [`StoreSettings`], [`MailJobSettings`] and [`MailWakeSettings`], and the HTTP edge's
//! [`frontend_url`] and [`allowed_origins`]: what two or more services read. Each service's own
//! `Settings` (its `config.rs`) is the groups it uses plus its own fields, and implements
//! [`ServiceSettings`].
//!
//! In development a `.env` file in the working directory is read first (never in
//! production). A missing or malformed value stops start-up with one line that names the
//! variable; secrets are [`SecretString`]s, so `Debug` output and logs never show them.

use std::collections::HashMap;

mod database;
mod env;
mod http;
mod jwt;
mod mail_job;
mod pictures;
mod process;
mod redis;
mod wake;

pub use database::DatabaseSettings;
pub use env::{Env, process_vars};
pub use http::{allowed_origins, frontend_url};
pub use jwt::JwtSettings;
pub use mail_job::MailJobSettings;
pub use pictures::{PictureUrlSettings, S3Settings, StoreSettings};
pub use process::{AppEnv, ProcessSettings};
pub use redis::RedisSettings;
pub use wake::{DEV_MAIL_WAKE_TOKEN, DEV_MAIL_WAKE_URL, MailWakeSettings};

/// A setting that could not be used; its `Display` is the single start-up error line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {variable}: {reason}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it (never the secret value itself).
    pub reason: String,
}

impl ConfigError {
    /// Builds the error for `variable`.
    pub fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

/// A service's settings: its groups plus its own fields, read from a map of variables.
/// Each service reads only its variables, so a bad value of another service's variable
/// never stops it.
pub trait ServiceSettings: Sized {
    /// Reads settings from a map, so tests need not touch the process environment.
    fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError>;

    /// Reads the process environment (after `.env` in development).
    fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_vars())
    }

    /// Reads settings from `(variable, value)` pairs: the tests' way to write an
    /// environment.
    fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let vars = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Self::from_vars(&vars)
    }
}

/// The process basics alone: settings of a binary that needs nothing else.
impl ServiceSettings for ProcessSettings {
    fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_env(&Env(vars))
    }
}

#[cfg(test)]
mod tests;

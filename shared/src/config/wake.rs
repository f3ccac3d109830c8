//! How auth wakes the mail worker (the worker's active window is the worker's own setting).
//!
//! In production the mail worker scales to zero: auth wakes it (`POST /internal/wake` with
//! a bearer token) when it queues a reset mail, and a woken worker works through an
//! *active window*, then stops every database query and Redis poll until the next wake,
//! so that Neon can suspend and Cloud Run can retire the idle instance.

use secrecy::{ExposeSecret, SecretString};

use super::{AppEnv, ConfigError, Env};

/// The wake token of development when `MAIL_WAKE_TOKEN` is unset, shared by auth and mail
/// without configuration. Not a secret: a wake only makes the worker drain its queue
/// early. Production refuses it (it is shorter than a production token must be).
pub const DEV_MAIL_WAKE_TOKEN: &str = "folio-development-wake-token";

/// Where auth wakes the worker in development when `MAIL_WAKE_URL` is unset: the local
/// worker's port (`MAIL_HEALTH_PORT` of `make dev`).
pub const DEV_MAIL_WAKE_URL: &str = "http://127.0.0.1:8083/internal/wake";

/// `openssl rand -base64 32` gives 44 characters; anything shorter is guessable or a
/// placeholder.
const MIN_PRODUCTION_TOKEN_CHARS: usize = 32;

/// The wake settings. The URL and the token are checked where they are used
/// ([`MailWakeSettings::url`], [`MailWakeSettings::token`]): the worker uses only the token.
#[derive(Debug, Clone)]
pub struct MailWakeSettings {
    /// `MAIL_WAKE_URL` (auth): the worker's wake endpoint.
    url: Option<String>,
    /// `MAIL_WAKE_TOKEN` (auth and mail): the bearer token of a wake.
    token: Option<SecretString>,
    app_env: AppEnv,
}

impl MailWakeSettings {
    /// Reads the group; the URL and the token are checked where they are used.
    pub fn from_env(env: &Env<'_>, app_env: AppEnv) -> Self {
        Self {
            url: env.get("MAIL_WAKE_URL"),
            token: env.get("MAIL_WAKE_TOKEN").map(Into::into),
            app_env,
        }
    }

    /// The URL auth posts wakes to: required in production, and `https://` there (it
    /// carries the token); [`DEV_MAIL_WAKE_URL`] in development.
    pub fn url(&self) -> Result<String, ConfigError> {
        let production = self.app_env == AppEnv::Production;
        let url = match &self.url {
            Some(url) => url.clone(),
            None if production => {
                return Err(ConfigError::new(
                    "MAIL_WAKE_URL",
                    "is required in production",
                ));
            }
            None => DEV_MAIL_WAKE_URL.to_owned(),
        };
        if production && !url.starts_with("https://") {
            return Err(ConfigError::new(
                "MAIL_WAKE_URL",
                "must start with https:// in production",
            ));
        }
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(ConfigError::new(
                "MAIL_WAKE_URL",
                format!("`{url}` is not an http:// or https:// URL"),
            ));
        }
        Ok(url)
    }

    /// The bearer token of a wake: required in production, of at least 32 characters;
    /// [`DEV_MAIL_WAKE_TOKEN`] in development.
    pub fn token(&self) -> Result<SecretString, ConfigError> {
        match &self.token {
            Some(token)
                if self.app_env == AppEnv::Production
                    && token.expose_secret().chars().count() < MIN_PRODUCTION_TOKEN_CHARS =>
            {
                Err(ConfigError::new(
                    "MAIL_WAKE_TOKEN",
                    "must be at least 32 characters in production (openssl rand -base64 32)",
                ))
            }
            Some(token) => Ok(token.clone()),
            None if self.app_env == AppEnv::Production => Err(ConfigError::new(
                "MAIL_WAKE_TOKEN",
                "is required in production",
            )),
            None => Ok(DEV_MAIL_WAKE_TOKEN.into()),
        }
    }
}

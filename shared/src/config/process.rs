//! The process basics every binary reads: where it runs and which port it serves.

use super::{ConfigError, Env};

/// Where the process runs; production refuses development conveniences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// Local work and tests: `.env` is read, missing keys are generated.
    Development,
    /// Cloud Run: every secret must be configured.
    Production,
}

/// `APP_ENV` and `PORT`, read by every service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessSettings {
    /// `APP_ENV` (`development`).
    pub app_env: AppEnv,
    /// `PORT` (8080): the HTTP port, as Cloud Run sets it.
    pub port: u16,
}

impl ProcessSettings {
    /// Reads `APP_ENV` (only `development` or `production`) and `PORT`.
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            app_env: app_env(env)?,
            port: env.parse_or("PORT", 8080)?,
        })
    }

    /// True in production, where development fallbacks are refused.
    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

/// `APP_ENV`: only `development` or `production`.
fn app_env(env: &Env<'_>) -> Result<AppEnv, ConfigError> {
    match env.get("APP_ENV").as_deref() {
        None | Some("development") => Ok(AppEnv::Development),
        Some("production") => Ok(AppEnv::Production),
        Some(_) => Err(ConfigError::new(
            "APP_ENV",
            "must be `development` or `production`",
        )),
    }
}

/// A value production must be given, with its development default otherwise.
pub(super) fn required_in_production(
    env: &Env<'_>,
    app_env: AppEnv,
    name: &'static str,
    dev_default: &str,
) -> Result<String, ConfigError> {
    match env.get(name) {
        Some(value) => Ok(value),
        None if app_env == AppEnv::Development => Ok(dev_default.to_owned()),
        None => Err(ConfigError::new(name, "is required in production")),
    }
}

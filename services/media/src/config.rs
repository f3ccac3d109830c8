//! The media service's settings: the shared groups it uses and its own variable. It reads
//! nothing else, so a bad value of another service's variable never stops it.

use std::collections::HashMap;

use folio_shared::config::{
    ConfigError, DatabaseSettings, Env, JwtSettings, PictureUrlSettings, ProcessSettings,
    ServiceSettings, StoreSettings, allowed_origins,
};

/// Every setting media reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`, `PORT`.
    pub process: ProcessSettings,
    /// `DATABASE_*`.
    pub database: DatabaseSettings,
    /// `ALLOWED_ORIGINS`: answered with CORS headers.
    pub allowed_origins: Vec<String>,
    /// `JWT_*`: token verification.
    pub jwt: JwtSettings,
    /// `MEDIA_PUBLIC_URL`, `DEFAULT_AVATAR_URL`: the `image_path` an upload answers with.
    pub pictures: PictureUrlSettings,
    /// `MEDIA_STORE_URL`, `S3_*`: where pictures are kept.
    pub store: StoreSettings,
    /// `MAX_UPLOAD_SIZE_BYTES` (5242880): the largest picture file.
    pub max_upload_size_bytes: u64,
}

impl ServiceSettings for Settings {
    fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let process = ProcessSettings::from_env(&env)?;
        let app_env = process.app_env;
        Ok(Self {
            process,
            database: DatabaseSettings::from_env(&env, app_env)?,
            allowed_origins: allowed_origins(&env)?,
            jwt: JwtSettings::from_env(&env)?,
            pictures: PictureUrlSettings::from_env(&env),
            store: StoreSettings::from_env(&env),
            max_upload_size_bytes: env.parse_positive_or("MAX_UPLOAD_SIZE_BYTES", 5_242_880)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(pairs)
    }

    #[test]
    fn the_upload_limit_defaults_to_five_megabytes() {
        assert_eq!(settings(&[]).unwrap().max_upload_size_bytes, 5_242_880);
    }

    #[test]
    fn a_bad_variable_of_another_service_does_not_stop_media() {
        let s = settings(&[
            ("MAIL_PORT", "abc"),
            ("POSTS_PER_PAGE", "0"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
            // Media builds no links and keys no limit on the client address.
            ("FRONTEND_URL", "not a url"),
            ("TRUSTED_PROXY_HOPS", "many"),
        ]);
        assert!(s.is_ok(), "{s:?}");
    }

    #[test]
    fn media_runs_in_production_without_redis() {
        let s = settings(&[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "postgres://u:p@db.example.com/folio"),
        ]);
        assert!(s.is_ok(), "{s:?}");
    }

    #[test]
    fn its_own_bad_value_still_stops_media_with_one_line() {
        assert_eq!(
            settings(&[("MAX_UPLOAD_SIZE_BYTES", "0")])
                .unwrap_err()
                .to_string(),
            "configuration error: MAX_UPLOAD_SIZE_BYTES: must be greater than zero"
        );
    }
}

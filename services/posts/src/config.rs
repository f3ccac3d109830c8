//! The posts service's settings: the shared groups it uses and its own variables. It reads
//! nothing else, so a bad value of another service's variable never stops it.

use std::collections::HashMap;

use folio_shared::config::{
    ConfigError, DatabaseSettings, Env, JwtSettings, PictureUrlSettings, ProcessSettings,
    RedisSettings, ServiceSettings, allowed_origins, frontend_url,
};

/// Every setting posts reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`, `PORT`.
    pub process: ProcessSettings,
    /// `DATABASE_*`.
    pub database: DatabaseSettings,
    /// `REDIS_*`: the posting rate limit.
    pub redis: RedisSettings,
    /// `FRONTEND_URL`: the base of the links in pages, feeds and the sitemap.
    pub frontend_url: String,
    /// `ALLOWED_ORIGINS`: answered with CORS headers.
    pub allowed_origins: Vec<String>,
    /// `JWT_*`: token verification.
    pub jwt: JwtSettings,
    /// `MEDIA_PUBLIC_URL`, `DEFAULT_AVATAR_URL`: authors' `image_path`.
    pub pictures: PictureUrlSettings,
    /// `POSTS_PER_PAGE` (10): default feed page size.
    pub posts_per_page: u32,
    /// `POST_RATE_LIMIT_PER_MINUTE` (30): new posts per user.
    pub post_rate_limit_per_minute: u32,
    /// `WEB_SHELL` (`web/dist/index.html`, from the working directory): the built app's
    /// `index.html`, which posts serves as the page of a post or a user, with the page's
    /// own title and link-preview tags.
    pub web_shell: String,
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
            allowed_origins: allowed_origins(&env)?,
            jwt: JwtSettings::from_env(&env)?,
            pictures: PictureUrlSettings::from_env(&env),
            posts_per_page: parse_posts_per_page(&env)?,
            post_rate_limit_per_minute: env.parse_positive_or("POST_RATE_LIMIT_PER_MINUTE", 30)?,
            web_shell: env.get_or("WEB_SHELL", "web/dist/index.html"),
        })
    }
}

impl Settings {
    /// True in production, where development fallbacks are refused.
    pub fn is_production(&self) -> bool {
        self.process.is_production()
    }
}

fn parse_posts_per_page(env: &Env<'_>) -> Result<u32, ConfigError> {
    let value: u32 = env.parse_or("POSTS_PER_PAGE", 10)?;
    // A default page size a request could not ask for would be a page no client can get.
    if !crate::feeds::LIMIT.contains(i64::from(value)) {
        let (min, max) = (crate::feeds::LIMIT.min, crate::feeds::MAX_LIMIT);
        return Err(ConfigError::new(
            "POSTS_PER_PAGE",
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_pairs(pairs)
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.posts_per_page, 10);
        assert_eq!(s.post_rate_limit_per_minute, 30);
        assert_eq!(s.web_shell, "web/dist/index.html");
    }

    #[test]
    fn posts_per_page_stays_within_the_feed_bounds() {
        let err = settings(&[("POSTS_PER_PAGE", "101")]).unwrap_err();
        assert_eq!(err.variable, "POSTS_PER_PAGE");
        assert_eq!(
            settings(&[("POSTS_PER_PAGE", "0")])
                .unwrap_err()
                .to_string(),
            "configuration error: POSTS_PER_PAGE: must be between 1 and 100"
        );
    }

    #[test]
    fn a_bad_variable_of_another_service_does_not_stop_posts() {
        let s = settings(&[
            ("MAIL_PORT", "abc"),
            ("MAIL_USE_TLS", "maybe"),
            ("MAX_UPLOAD_SIZE_BYTES", "0"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
            ("RESET_TOKEN_EXPIRE_MINUTES", "10081"),
            // Posts keys its one limit on the author, never on the client address.
            ("TRUSTED_PROXY_HOPS", "many"),
        ]);
        assert!(s.is_ok(), "{s:?}");
    }

    #[test]
    fn its_own_bad_value_still_stops_posts_with_one_line() {
        assert_eq!(
            settings(&[("POST_RATE_LIMIT_PER_MINUTE", "0")])
                .unwrap_err()
                .to_string(),
            "configuration error: POST_RATE_LIMIT_PER_MINUTE: must be greater than zero"
        );
    }
}

//! The auth service's settings: the shared groups it uses and its own variables (token
//! lifetime, rate limits). It reads nothing else, so a bad value of another service's
//! variable never stops it.

use std::collections::HashMap;

use folio_shared::config::{
    ConfigError, DatabaseSettings, Env, JwtSettings, MailJobSettings, MailWakeSettings,
    PictureUrlSettings, ProcessSettings, RedisSettings, ServiceSettings, StoreSettings,
    allowed_origins, frontend_url,
};

/// Every setting auth reads.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`, `PORT`.
    pub process: ProcessSettings,
    /// `DATABASE_*`.
    pub database: DatabaseSettings,
    /// `REDIS_*`: rate limits and the mail stream.
    pub redis: RedisSettings,
    /// `FRONTEND_URL`: the base of the reset link.
    pub frontend_url: String,
    /// `ALLOWED_ORIGINS`: answered with CORS headers.
    pub allowed_origins: Vec<String>,
    /// `JWT_*`: auth signs with the private key.
    pub jwt: JwtSettings,
    /// `MEDIA_PUBLIC_URL`, `DEFAULT_AVATAR_URL`: users' `image_path`.
    pub pictures: PictureUrlSettings,
    /// `MEDIA_STORE_URL`, `S3_*`: a deleted account's picture goes too.
    pub store: StoreSettings,
    /// `MAIL_JOB_KEY`, `RESET_TOKEN_EXPIRE_MINUTES`: the reset mail job.
    pub mail_job: MailJobSettings,
    /// `MAIL_WAKE_URL`, `MAIL_WAKE_TOKEN`: how a queued mail wakes the worker.
    pub mail_wake: MailWakeSettings,
    /// `ACCESS_TOKEN_EXPIRE_MINUTES` (30, 1 to 43200).
    pub access_token_expire_minutes: i64,
    /// The per-client and per-account rate limits.
    pub limits: AuthLimits,
}

/// Auth's rate limits.
#[derive(Debug, Clone, Copy)]
pub struct AuthLimits {
    /// `REGISTER_RATE_LIMIT_PER_MINUTE` (20): registrations per client (each costs a hash).
    pub register_per_minute: u32,
    /// `LOGIN_RATE_LIMIT_PER_MINUTE` (10): login attempts per client, and failed logins
    /// per account and client.
    pub login_per_minute: u32,
    /// `ACCOUNT_RATE_LIMIT_PER_HOUR` (100): the account-wide backstop, from every client
    /// together: failed logins per account, forgot-password requests per email.
    pub account_per_hour: u32,
    /// `PASSWORD_RESET_RATE_LIMIT_PER_MINUTE` (5): forgot/reset requests per client.
    pub password_reset_per_minute: u32,
    /// `PASSWORD_RESET_MAILS_PER_HOUR` (5): reset mails per address, whoever asks.
    pub password_reset_mails_per_hour: u32,
    /// `PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE` (10): wrong current passwords per user.
    pub password_change_per_minute: u32,
    /// `TRUSTED_PROXY_HOPS` (1): proxies in front of auth that append the client address
    /// to `X-Forwarded-For` (Cloud Run: 1; behind the load balancer: 2; 0: use the peer
    /// address). Per-client limits key on the address that many hops from the right.
    pub trusted_proxy_hops: usize,
}

impl AuthLimits {
    fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            register_per_minute: env.parse_positive_or("REGISTER_RATE_LIMIT_PER_MINUTE", 20)?,
            login_per_minute: env.parse_positive_or("LOGIN_RATE_LIMIT_PER_MINUTE", 10)?,
            account_per_hour: env.parse_positive_or("ACCOUNT_RATE_LIMIT_PER_HOUR", 100)?,
            password_reset_per_minute: env
                .parse_positive_or("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", 5)?,
            password_reset_mails_per_hour: env
                .parse_positive_or("PASSWORD_RESET_MAILS_PER_HOUR", 5)?,
            password_change_per_minute: env
                .parse_positive_or("PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE", 10)?,
            trusted_proxy_hops: env.parse_or("TRUSTED_PROXY_HOPS", 1)?,
        })
    }
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
            store: StoreSettings::from_env(&env),
            mail_job: MailJobSettings::from_env(&env)?,
            mail_wake: MailWakeSettings::from_env(&env, app_env),
            // Bounded so expiry arithmetic cannot overflow and no token lives for ever.
            access_token_expire_minutes: env.parse_in_range(
                "ACCESS_TOKEN_EXPIRE_MINUTES",
                30,
                1,
                43_200,
            )?,
            limits: AuthLimits::from_env(&env)?,
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
    fn defaults_follow_the_design() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.access_token_expire_minutes, 30);
        assert_eq!(s.mail_job.reset_token_expire_minutes, 60);
        assert_eq!(s.limits.register_per_minute, 20);
        assert_eq!(s.limits.login_per_minute, 10);
        assert_eq!(s.limits.account_per_hour, 100);
        assert_eq!(s.limits.password_reset_per_minute, 5);
        assert_eq!(s.limits.password_reset_mails_per_hour, 5);
        assert_eq!(s.limits.password_change_per_minute, 10);
    }

    #[test]
    fn the_proxy_hops_are_auths_own_and_a_bad_count_stops_it() {
        assert_eq!(settings(&[]).unwrap().limits.trusted_proxy_hops, 1);
        assert_eq!(
            settings(&[("TRUSTED_PROXY_HOPS", "many")])
                .unwrap_err()
                .variable,
            "TRUSTED_PROXY_HOPS"
        );
    }

    #[test]
    fn zero_is_refused_where_a_positive_value_is_needed() {
        let err = settings(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "0")]).unwrap_err();
        assert_eq!(err.variable, "ACCESS_TOKEN_EXPIRE_MINUTES");
        let err = settings(&[("LOGIN_RATE_LIMIT_PER_MINUTE", "0")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: LOGIN_RATE_LIMIT_PER_MINUTE: must be greater than zero"
        );
    }

    #[test]
    fn token_lifetimes_are_bounded() {
        let err = settings(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "200000000000000")]).unwrap_err();
        assert_eq!(err.variable, "ACCESS_TOKEN_EXPIRE_MINUTES");
        assert_eq!(err.reason, "must be between 1 and 43200");
        assert!(settings(&[("RESET_TOKEN_EXPIRE_MINUTES", "10081")]).is_err());
    }

    #[test]
    fn a_bad_variable_of_another_service_does_not_stop_auth() {
        let s = settings(&[
            ("MAIL_PORT", "abc"),
            ("MAIL_ACTIVE_SECONDS", "0"),
            ("POSTS_PER_PAGE", "0"),
            ("POST_RATE_LIMIT_PER_MINUTE", "0"),
            ("MAX_UPLOAD_SIZE_BYTES", "0"),
        ]);
        assert!(s.is_ok(), "{s:?}");
    }
}

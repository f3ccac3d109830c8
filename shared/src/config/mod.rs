//! Typed settings read once from the environment, with the defaults of `docs/configuration.md`.
//!
//! Settings come in groups, each with its loader: [`ProcessSettings`] (`APP_ENV`, `PORT`),
//! [`DatabaseSettings`], [`RedisSettings`], [`HttpSettings`] (the HTTP edge),
//! [`JwtSettings`], [`PictureUrlSettings`], [`StoreSettings`], [`MailSettings`] (SMTP) and
//! [`MailWakeSettings`]. [`Settings`] is every group plus the fields of single services.
//!
//! In development a `.env` file in the working directory is read first (never in
//! production). A missing or malformed value stops start-up with one line that names the
//! variable; secrets are [`SecretString`]s, so `Debug` output and logs never show them.

use std::collections::HashMap;

use secrecy::SecretString;

mod database;
mod env;
mod http;
mod jwt;
mod mail;
mod pictures;
mod process;
mod redis;
mod wake;

pub use database::{DatabaseSettings, tls_unless_told};
pub use env::{Env, process_vars};
pub use http::HttpSettings;
pub use jwt::JwtSettings;
pub use mail::MailSettings;
pub use pictures::{PictureUrlSettings, S3Settings, StoreSettings};
pub use process::{AppEnv, ProcessSettings, app_env};
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

/// Every setting a Folio service reads: the groups, flattened, plus the fields of single
/// services. Each service uses the part it needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV` (`development`).
    pub app_env: AppEnv,
    /// `PORT` (8080): the HTTP port, as Cloud Run sets it.
    pub port: u16,
    /// `DATABASE_URL`: pooled Postgres URL used at runtime.
    pub database_url: SecretString,
    /// `DATABASE_DIRECT_URL`: unpooled URL for migrations; falls back to `DATABASE_URL`.
    pub database_direct_url: Option<SecretString>,
    /// `DATABASE_POOL_SIZE` (10): connections per process.
    pub database_pool_size: usize,
    /// `DATABASE_PREPARED_STATEMENTS` (true): cache named statements per connection. Set
    /// false behind a pooler without protocol-level prepared statements (PgBouncer < 1.21).
    pub database_prepared_statements: bool,
    /// `REDIS_URL`.
    pub redis_url: SecretString,
    /// `REDIS_KEY_PREFIX` (`folio`): namespace of every Redis key and stream.
    pub redis_key_prefix: String,
    /// `REDIS_CA_CERT`: PEM of the CA that signed the Redis server's certificate, when
    /// it is not a public one (Memorystore's in-transit encryption); literal `\n` allowed.
    pub redis_ca_cert: Option<String>,
    /// `FRONTEND_URL`: base of links in mails.
    pub frontend_url: String,
    /// `ALLOWED_ORIGINS`: comma-separated exact origins allowed to call cross-origin.
    pub allowed_origins: Vec<String>,
    /// `JWT_PRIVATE_KEY`: Ed25519 PKCS#8 PEM, auth only.
    pub jwt_private_key: Option<SecretString>,
    /// `JWT_PUBLIC_KEYS`: JWKS JSON of the keys tokens may be signed with.
    pub jwt_public_keys: Option<String>,
    /// `JWT_DEV_KEY_FILE` (`.dev/jwt-dev-key.pem`): development key shared by local services.
    pub jwt_dev_key_file: String,
    /// `MAIL_JOB_KEY`: base64 AES-256 keys sealing the secret part of mail jobs (the reset
    /// link), comma-separated, newest first; auth and mail only (see `queue::cipher`).
    pub mail_job_key: Option<SecretString>,
    /// `ACCESS_TOKEN_EXPIRE_MINUTES` (30).
    pub access_token_expire_minutes: i64,
    /// `RESET_TOKEN_EXPIRE_MINUTES` (60).
    pub reset_token_expire_minutes: i64,
    /// `POSTS_PER_PAGE` (10): default feed page size.
    pub posts_per_page: u32,
    /// `MAX_UPLOAD_SIZE_BYTES` (5242880).
    pub max_upload_size_bytes: u64,
    /// `MEDIA_STORE_URL`: `s3://`, `gs://`, `file://` or `memory://`.
    pub media_store_url: Option<String>,
    /// The FastAPI blog's `S3_*` variables.
    pub s3: S3Settings,
    /// `MEDIA_PUBLIC_URL` (`/media`): base URL of stored pictures.
    pub media_public_url: String,
    /// `DEFAULT_AVATAR_URL` (`/static/profile_pics/default.jpg`).
    pub default_avatar_url: String,
    /// SMTP settings (mail worker).
    pub mail: MailSettings,
    /// How auth wakes the mail worker and when the worker goes quiet.
    pub mail_wake: MailWakeSettings,
    /// `TRUSTED_PROXY_HOPS` (1): proxies in front of the service that append the client
    /// address to `X-Forwarded-For` (Cloud Run: 1; behind the load balancer: 2; 0: use the
    /// peer address). Rate limits key on the address that many hops from the right.
    pub trusted_proxy_hops: usize,
    /// `REGISTER_RATE_LIMIT_PER_MINUTE` (20): registrations per client (each costs a hash).
    pub register_rate_limit_per_minute: u32,
    /// `LOGIN_RATE_LIMIT_PER_MINUTE` (10): login attempts per client, and failed logins
    /// per account and client.
    pub login_rate_limit_per_minute: u32,
    /// `ACCOUNT_RATE_LIMIT_PER_HOUR` (100): the account-wide backstop, from every client
    /// together: failed logins per account, forgot-password requests per email.
    pub account_rate_limit_per_hour: u32,
    /// `PASSWORD_RESET_RATE_LIMIT_PER_MINUTE` (5): forgot/reset requests per client.
    pub password_reset_rate_limit_per_minute: u32,
    /// `PASSWORD_RESET_MAILS_PER_HOUR` (5): reset mails per address, whoever asks.
    pub password_reset_mails_per_hour: u32,
    /// `PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE` (10): wrong current passwords per user.
    pub password_change_rate_limit_per_minute: u32,
    /// `POST_RATE_LIMIT_PER_MINUTE` (30): new posts per user (posts service).
    pub post_rate_limit_per_minute: u32,
    /// `WEB_SHELL` (`web/dist/index.html`, from the working directory): the built app's
    /// `index.html`, which posts serves as the page of a post or a user, with the page's
    /// own title and link-preview tags (posts service).
    pub web_shell: String,
}

impl Settings {
    /// Reads the process environment (after `.env` in development).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_vars())
    }

    /// Reads settings from a map, so tests need not touch the process environment.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let ProcessSettings { app_env, port } = ProcessSettings::from_env(&env)?;
        let database = DatabaseSettings::from_env(&env, app_env)?;
        let redis = RedisSettings::from_env(&env, app_env)?;
        let http = HttpSettings::from_env(&env, app_env)?;
        let jwt = JwtSettings::from_env(&env)?;
        let pictures = PictureUrlSettings::from_env(&env);
        let store = StoreSettings::from_env(&env);
        Ok(Self {
            app_env,
            port,
            database_url: database.url,
            database_direct_url: database.direct_url,
            database_pool_size: database.pool_size,
            database_prepared_statements: database.prepared_statements,
            redis_url: redis.url,
            redis_key_prefix: redis.key_prefix,
            redis_ca_cert: redis.ca_cert,
            frontend_url: http.frontend_url,
            allowed_origins: http.allowed_origins,
            jwt_private_key: jwt.private_key,
            jwt_public_keys: jwt.public_keys,
            jwt_dev_key_file: jwt.dev_key_file,
            mail_job_key: env.get("MAIL_JOB_KEY").map(Into::into),
            // Bounded so expiry arithmetic cannot overflow and no token lives for ever.
            access_token_expire_minutes: env.parse_in_range(
                "ACCESS_TOKEN_EXPIRE_MINUTES",
                30,
                1,
                43_200,
            )?,
            reset_token_expire_minutes: env.parse_in_range(
                "RESET_TOKEN_EXPIRE_MINUTES",
                60,
                1,
                10_080,
            )?,
            posts_per_page: parse_posts_per_page(&env)?,
            max_upload_size_bytes: env.parse_positive_or("MAX_UPLOAD_SIZE_BYTES", 5_242_880)?,
            media_store_url: store.media_store_url,
            s3: store.s3,
            media_public_url: pictures.media_public_url,
            default_avatar_url: pictures.default_avatar_url,
            mail: MailSettings::from_env(&env)?,
            mail_wake: MailWakeSettings::from_env(&env, app_env)?,
            trusted_proxy_hops: http.trusted_proxy_hops,
            register_rate_limit_per_minute: env
                .parse_positive_or("REGISTER_RATE_LIMIT_PER_MINUTE", 20)?,
            login_rate_limit_per_minute: env
                .parse_positive_or("LOGIN_RATE_LIMIT_PER_MINUTE", 10)?,
            account_rate_limit_per_hour: env
                .parse_positive_or("ACCOUNT_RATE_LIMIT_PER_HOUR", 100)?,
            password_reset_rate_limit_per_minute: env
                .parse_positive_or("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", 5)?,
            password_reset_mails_per_hour: env
                .parse_positive_or("PASSWORD_RESET_MAILS_PER_HOUR", 5)?,
            password_change_rate_limit_per_minute: env
                .parse_positive_or("PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE", 10)?,
            post_rate_limit_per_minute: env.parse_positive_or("POST_RATE_LIMIT_PER_MINUTE", 30)?,
            web_shell: env.get_or("WEB_SHELL", "web/dist/index.html"),
        })
    }

    /// The URL migrations use: `DATABASE_DIRECT_URL` when set, else `DATABASE_URL`.
    pub fn migration_database_url(&self) -> &SecretString {
        self.database_direct_url
            .as_ref()
            .unwrap_or(&self.database_url)
    }

    /// True in production, where development fallbacks are refused.
    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

fn parse_posts_per_page(env: &Env<'_>) -> Result<u32, ConfigError> {
    let value: u32 = env.parse_or("POSTS_PER_PAGE", 10)?;
    if !(1..=100).contains(&value) {
        return Err(ConfigError::new(
            "POSTS_PER_PAGE",
            "must be between 1 and 100",
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests;

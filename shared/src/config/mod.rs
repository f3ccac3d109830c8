//! Typed settings read once from the environment, with the defaults of `docs/configuration.md`.
//!
//! In development a `.env` file in the working directory is read first (never in
//! production). A missing or malformed value stops start-up with one line that names the
//! variable; secrets are [`SecretString`]s, so `Debug` output and logs never show them.

use std::collections::HashMap;

use secrecy::SecretString;

mod env;
mod urls;
mod wake;

use env::Env;
use urls::frontend_url;
pub use urls::tls_unless_told;
pub use wake::{DEV_MAIL_WAKE_TOKEN, DEV_MAIL_WAKE_URL, MailWakeSettings};

/// Where the process runs; production refuses development conveniences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    /// Local work and tests: `.env` is read, missing keys are generated.
    Development,
    /// Cloud Run: every secret must be configured.
    Production,
}

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

/// The `S3_*` variables of the FastAPI blog, still honoured for S3-compatible stores.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `S3_BUCKET_NAME`.
    pub bucket: Option<String>,
    /// `S3_REGION`.
    pub region: Option<String>,
    /// `S3_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// `S3_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<SecretString>,
    /// `S3_ENDPOINT_URL`, for MinIO and other S3-compatible servers.
    pub endpoint_url: Option<String>,
}

/// Every setting a Folio service reads. Each service uses the part it needs.
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

const DEV_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/folio";

const DEV_REDIS_URL: &str = "redis://127.0.0.1:6379";

impl Settings {
    /// Reads the process environment (after `.env` in development).
    pub fn from_env() -> Result<Self, ConfigError> {
        let production = std::env::var("APP_ENV").is_ok_and(|v| v == "production");
        if !production {
            // A missing .env is normal; a malformed one is reported by the values it yields.
            let _ = dotenvy::dotenv();
        }
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars)
    }

    /// Reads settings from a map, so tests need not touch the process environment.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        let app_env = match env.get("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(_) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    "must be `development` or `production`",
                ));
            }
        };
        let dev = app_env == AppEnv::Development;
        let required_in_production = |name: &'static str, dev_default: &str| match env.get(name) {
            Some(v) => Ok(v),
            None if dev => Ok(dev_default.to_owned()),
            None => Err(ConfigError::new(name, "is required in production")),
        };
        let media_public_url = env.get_or("MEDIA_PUBLIC_URL", "/media");
        Ok(Self {
            app_env,
            port: env.parse_or("PORT", 8080)?,
            database_url: tls_unless_told(
                required_in_production("DATABASE_URL", DEV_DATABASE_URL)?,
                app_env,
            )
            .into(),
            database_direct_url: env
                .get("DATABASE_DIRECT_URL")
                .map(|url| tls_unless_told(url, app_env).into()),
            database_pool_size: env.parse_positive_or("DATABASE_POOL_SIZE", 10)?,
            database_prepared_statements: env
                .parse_bool_or("DATABASE_PREPARED_STATEMENTS", true)?,
            redis_url: required_in_production("REDIS_URL", DEV_REDIS_URL)?.into(),
            redis_key_prefix: env.get_or("REDIS_KEY_PREFIX", "folio"),
            redis_ca_cert: env.get("REDIS_CA_CERT").map(|pem| pem.replace("\\n", "\n")),
            frontend_url: frontend_url(&env, app_env)?,
            allowed_origins: parse_origins(env.get("ALLOWED_ORIGINS").as_deref())?,
            jwt_private_key: env.get("JWT_PRIVATE_KEY").map(Into::into),
            jwt_public_keys: env.get("JWT_PUBLIC_KEYS"),
            jwt_dev_key_file: env.get_or("JWT_DEV_KEY_FILE", ".dev/jwt-dev-key.pem"),
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
            media_store_url: env.get("MEDIA_STORE_URL"),
            s3: S3Settings {
                bucket: env.get("S3_BUCKET_NAME"),
                region: env.get("S3_REGION"),
                access_key_id: env.get("S3_ACCESS_KEY_ID"),
                secret_access_key: env.get("S3_SECRET_ACCESS_KEY").map(Into::into),
                endpoint_url: env.get("S3_ENDPOINT_URL"),
            },
            media_public_url: media_public_url.trim_end_matches('/').to_owned(),
            default_avatar_url: env
                .get_or("DEFAULT_AVATAR_URL", "/static/profile_pics/default.jpg"),
            mail: MailSettings {
                server: env.get_or("MAIL_SERVER", "localhost"),
                port: env.parse_or("MAIL_PORT", 587)?,
                username: env.get_or("MAIL_USERNAME", ""),
                password: env.get_or("MAIL_PASSWORD", "").into(),
                from: env.get_or("MAIL_FROM", "noreply@folio.local"),
                use_tls: env.parse_bool_or("MAIL_USE_TLS", true)?,
                max_attempts: env.parse_positive_or("MAIL_MAX_ATTEMPTS", 5)?,
                reclaim_idle_secs: env.parse_positive_or("MAIL_RECLAIM_IDLE_SECONDS", 60)?,
                concurrency: env.parse_positive_or("MAIL_CONCURRENCY", 4)?,
            },
            mail_wake: MailWakeSettings::from_env(&env, app_env)?,
            trusted_proxy_hops: env.parse_or("TRUSTED_PROXY_HOPS", 1)?,
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

/// Origins are compared byte for byte with the `Origin` header, so they must be exact:
/// scheme and host, optional port, no path and no wildcard.
fn parse_origins(raw: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.contains('*')
                && origin.splitn(4, '/').count() == 3;
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError::new(
                    "ALLOWED_ORIGINS",
                    format!("`{origin}` is not an exact origin like https://blog.example.com"),
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;

//! The database group: where the pool connects and how large it is. The unpooled
//! `DATABASE_DIRECT_URL` is the migrator's alone (`folio_migrate::connect`).

use secrecy::SecretString;

use super::{AppEnv, ConfigError, Env, process::required_in_production};

const DEV_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/folio";

/// `DATABASE_*`: read by every service.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `DATABASE_URL`: pooled Postgres URL used at runtime.
    pub url: SecretString,
    /// `DATABASE_POOL_SIZE` (10): connections per process.
    pub pool_size: usize,
    /// `DATABASE_PREPARED_STATEMENTS` (true): cache named statements per connection. Set
    /// false behind a pooler without protocol-level prepared statements (PgBouncer < 1.21).
    pub prepared_statements: bool,
}

impl DatabaseSettings {
    /// Reads the group; production requires `DATABASE_URL` and adds TLS to it unless it
    /// says otherwise ([`tls_unless_told`]).
    pub fn from_env(env: &Env<'_>, app_env: AppEnv) -> Result<Self, ConfigError> {
        let url = required_in_production(env, app_env, "DATABASE_URL", DEV_DATABASE_URL)?;
        Ok(Self {
            url: tls_unless_told(url, app_env).into(),
            pool_size: env.parse_positive_or("DATABASE_POOL_SIZE", 10)?,
            prepared_statements: env.parse_bool_or("DATABASE_PREPARED_STATEMENTS", true)?,
        })
    }
}

/// In production a database URL that does not say `sslmode` gets `sslmode=require`: the
/// data crosses the internet to Neon. An explicit `sslmode` (even `disable`, for a
/// database on the same host) is obeyed.
fn tls_unless_told(url: String, app_env: AppEnv) -> String {
    if app_env == AppEnv::Development || url.contains("sslmode=") {
        return url;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}sslmode=require")
    } else {
        // The key=value form.
        format!("{url} sslmode=require")
    }
}

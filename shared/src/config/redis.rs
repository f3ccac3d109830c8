//! The Redis group: the server, the key namespace and the CA of a private server.

use secrecy::SecretString;

use super::{AppEnv, ConfigError, Env, process::required_in_production};

const DEV_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// `REDIS_*`: read by auth, posts and the mail worker.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `REDIS_URL`.
    pub url: SecretString,
    /// `REDIS_KEY_PREFIX` (`folio`): namespace of every Redis key and stream.
    pub key_prefix: String,
    /// `REDIS_CA_CERT`: PEM of the CA that signed the Redis server's certificate, when
    /// it is not a public one (Memorystore's in-transit encryption); literal `\n` allowed.
    pub ca_cert: Option<String>,
}

impl RedisSettings {
    /// Reads the group; production requires `REDIS_URL`.
    pub fn from_env(env: &Env<'_>, app_env: AppEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            url: required_in_production(env, app_env, "REDIS_URL", DEV_REDIS_URL)?.into(),
            key_prefix: env.get_or("REDIS_KEY_PREFIX", "folio"),
            ca_cert: env.get("REDIS_CA_CERT").map(|pem| pem.replace("\\n", "\n")),
        })
    }
}

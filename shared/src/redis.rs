//! The Redis connection used for rate limits and the mail queue: a lazy, reconnecting
//! manager with short timeouts, so a Redis outage costs a request milliseconds, not a hang.
//!
//! Production Redis is reached over TLS with a password (`rediss://:password@host:port`):
//! a serverless provider's certificate chains to a public CA, which is trusted as is;
//! Memorystore's in-transit encryption uses its own CA, given as `REDIS_CA_CERT` (PEM).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};

use crate::config::RedisSettings;

/// Longest wait for one Redis command; past it the caller degrades as documented.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(1000);

/// A client for `REDIS_URL`, trusting `ca_cert` (PEM) for TLS when given, else the
/// public roots. Connects nothing yet.
pub fn client(url: &SecretString, ca_cert: Option<&str>) -> anyhow::Result<redis::Client> {
    // The parse error could quote the URL, password included: say only what failed.
    let invalid = |_| anyhow::anyhow!("REDIS_URL is not a valid Redis URL");
    match ca_cert {
        None => redis::Client::open(url.expose_secret()).map_err(invalid),
        Some(pem) => {
            if !url.expose_secret().starts_with("rediss://") {
                anyhow::bail!("REDIS_CA_CERT is set but REDIS_URL is not rediss:// (TLS)");
            }
            let certificates = redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.as_bytes().to_vec()),
            };
            redis::Client::build_with_tls(url.expose_secret(), certificates).map_err(invalid)
        }
    }
}

/// A service's client (for connections of its own, such as blocking reads) and manager,
/// from `REDIS_URL` and `REDIS_CA_CERT`.
pub fn from_settings(
    settings: &RedisSettings,
) -> anyhow::Result<(redis::Client, ConnectionManager)> {
    let client = client(&settings.url, settings.ca_cert.as_deref())?;
    Ok((client.clone(), manage(client)?))
}

/// Builds a manager for `REDIS_URL` without connecting: the service starts (and serves
/// everything that does not need Redis) while Redis is down, and reconnects by itself.
pub fn connect_lazy(url: &SecretString) -> anyhow::Result<ConnectionManager> {
    manage(client(url, None)?)
}

/// The same over a client of [`client`] (a private CA).
pub fn manage(client: redis::Client) -> anyhow::Result<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(500)))
        .set_response_timeout(Some(COMMAND_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    Ok(ConnectionManager::new_lazy_with_config(client, config)?)
}

/// Runs a Redis future with [`COMMAND_TIMEOUT`], turning a timeout into a Redis error.
pub async fn bounded<T>(
    future: impl Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    match tokio::time::timeout(COMMAND_TIMEOUT, future).await {
        Ok(result) => result,
        Err(_) => Err(redis::RedisError::from((
            redis::ErrorKind::Io,
            "Redis command timed out",
        ))),
    }
}

//! The Redis connection used for rate limits and the mail queue: a lazy, reconnecting
//! manager with short timeouts, so a Redis outage costs a request milliseconds, not a hang.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};

/// Longest wait for one Redis command; past it the caller degrades as documented.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(1000);

/// Builds a manager for `REDIS_URL` without connecting: the service starts (and serves
/// everything that does not need Redis) while Redis is down, and reconnects by itself.
pub fn connect_lazy(url: &SecretString) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url.expose_secret())
        .map_err(|_| anyhow::anyhow!("REDIS_URL is not a valid Redis URL"))?;
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

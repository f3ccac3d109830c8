//! A Redis key prefix per test, its keys deleted afterwards.

use std::time::Duration;

use uuid::Uuid;

use super::redis_url;

/// A Redis key prefix that exists for one test, `test-<random>`: every key under it is
/// deleted when it is dropped, also when the test panics, so no run leaves keys in the
/// Redis that everyone shares.
pub struct RedisPrefix {
    name: String,
    url: String,
}

impl RedisPrefix {
    /// Takes over `name` on the Redis at `url`: its keys are deleted when this is dropped.
    pub(super) fn adopt(name: String, url: String) -> Self {
        Self { name, url }
    }

    /// A fresh prefix on the tests' Redis ([`redis_url`]).
    #[allow(clippy::new_without_default)] // each value is a new prefix, not a default
    pub fn new() -> Self {
        Self {
            name: format!("test-{}", Uuid::new_v4().simple()),
            url: redis_url(),
        }
    }

    /// The prefix, for `REDIS_KEY_PREFIX` or to build keys with.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        // Nothing to report to: a Redis that is down (a test may point at one) holds
        // nothing of this test's anyway.
        let _ = delete_keys(&self.url, &self.name);
    }
}

/// Deletes every key starting with `prefix`. Synchronous, on a connection of its own: it
/// runs in `Drop`, which cannot await and may run while a test's runtime unwinds. The
/// timeouts keep a Redis that does not answer from hanging the test.
fn delete_keys(url: &str, prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let keys = redis::Commands::scan_match(&mut conn, format!("{prefix}*"))?
        .collect::<redis::RedisResult<Vec<String>>>()?;
    for batch in keys.chunks(500) {
        redis::cmd("UNLINK").arg(batch).exec(&mut conn)?;
    }
    Ok(())
}

//! Fixed-window rate limits kept in Redis, shared by every instance of a service.
//!
//! When Redis cannot be asked the limit **degrades open**: the request goes through and a
//! warning is logged. Login still costs an Argon2 hash per attempt, so an outage does not
//! make guessing cheap, and users are not locked out because a cache is down.

use std::time::Duration;

use poem::{
    Response,
    http::{StatusCode, header},
};
use redis::{Script, aio::ConnectionManager};

use crate::{http::detail_response, redis::bounded};

/// Whether a request may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Under the limit (or Redis unavailable: degraded open).
    Allowed,
    /// Over the limit; retry after this many seconds.
    Limited {
        /// Seconds until the window resets (at least 1).
        retry_after_secs: u64,
    },
}

/// Counts requests per key and window.
#[derive(Clone)]
pub struct RateLimiter {
    redis: ConnectionManager,
    prefix: String,
    script: Script,
}

// INCR and PEXPIRE in one round trip, atomically: the window starts at the first hit.
const HIT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
";

impl RateLimiter {
    /// A limiter whose keys start with `{prefix}:ratelimit:`.
    pub fn new(redis: ConnectionManager, prefix: &str) -> Self {
        Self {
            redis,
            prefix: format!("{prefix}:ratelimit"),
            script: Script::new(HIT),
        }
    }

    /// Counts one hit on `scope`/`key` and decides against `limit` per `window`.
    pub async fn hit(&self, scope: &str, key: &str, limit: u32, window: Duration) -> Decision {
        let redis_key = format!("{}:{scope}:{key}", self.prefix);
        let mut conn = self.redis.clone();
        let window_ms = window.as_millis() as u64;
        let result: redis::RedisResult<(u64, i64)> = bounded(
            self.script
                .key(&redis_key)
                .arg(window_ms)
                .invoke_async(&mut conn),
        )
        .await;
        match result {
            Ok((count, _)) if count <= u64::from(limit) => Decision::Allowed,
            Ok((_, ttl_ms)) => Decision::Limited {
                retry_after_secs: (ttl_ms.max(1) as u64).div_ceil(1000),
            },
            Err(err) => {
                tracing::warn!(error = %err, scope, "rate limit unavailable, allowing request");
                Decision::Allowed
            }
        }
    }
}

/// The 429 answer with `Retry-After`.
pub fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut response = detail_response(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("Too many requests. Try again in {retry_after_secs} seconds."),
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        retry_after_secs
            .to_string()
            .parse()
            .expect("digits are a valid header"),
    );
    response
}

/// The client address to limit by: the first `X-Forwarded-For` hop when a proxy sent one
/// (Cloud Run and the gateway always do), else the peer address. The first hop can be
/// forged by a client, which is why per-account limits back up the per-client ones.
pub fn client_ip(req: &poem::Request) -> String {
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| !ip.is_empty())
        .unwrap_or_else(|| match req.remote_addr().as_socket_addr() {
            Some(addr) => addr.ip().to_string(),
            None => "unknown".to_owned(),
        })
}

//! Fixed-window rate limits kept in Redis, shared by every instance of a service.
//!
//! When Redis cannot be asked the limit **degrades open**: the request goes through and a
//! warning is logged. Login still costs an Argon2 hash per attempt, so an outage does not
//! make guessing cheap, and users are not locked out because a cache is down.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
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
        // Hashed: bounded length whatever the client sends, and no emails kept in Redis.
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
        let redis_key = format!("{}:{scope}:{}", self.prefix, URL_SAFE_NO_PAD.encode(digest));
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

/// The client address to limit by: the `X-Forwarded-For` entry `trusted_hops` from the
/// right, i.e. the address the outermost trusted proxy saw (entries further left are
/// whatever the client wrote), or the peer address when there is no proxy.
pub fn client_ip(req: &poem::Request, trusted_hops: usize) -> String {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|ip| !ip.is_empty())
        .collect();
    if trusted_hops > 0 && forwarded.len() >= trusted_hops {
        return forwarded[forwarded.len() - trusted_hops].to_owned();
    }
    match req.remote_addr().as_socket_addr() {
        Some(addr) => addr.ip().to_string(),
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(forwarded: Option<&str>) -> poem::Request {
        let mut builder = poem::Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        builder.finish()
    }

    #[test]
    fn the_address_seen_by_the_trusted_proxy_wins_over_what_the_client_wrote() {
        let req = request(Some("6.6.6.6, 203.0.113.7"));
        assert_eq!(client_ip(&req, 1), "203.0.113.7");
        assert_eq!(client_ip(&req, 2), "6.6.6.6");
    }

    #[test]
    fn without_enough_proxy_entries_the_peer_address_is_used() {
        assert_eq!(client_ip(&request(Some("6.6.6.6")), 2), "unknown");
        assert_eq!(client_ip(&request(None), 1), "unknown");
        assert_eq!(client_ip(&request(Some("6.6.6.6")), 0), "unknown");
    }
}

//! Fixed-window rate limits kept in Redis, shared by every instance of a service.
//!
//! Two kinds: [`RateLimiter::hit`] counts every request; [`RateLimiter::attempt`] counts
//! only attempts that fail (wrong passwords), so that what others do wrong cannot keep the
//! right person out of a limit keyed partly on them.
//!
//! When Redis cannot be asked the limit **degrades open**: the request goes through and a
//! warning is logged. Login still costs an Argon2 hash per attempt, so an outage does not
//! make guessing cheap, and users are not locked out because a cache is down.

use std::{
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};

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
    admit: Script,
    refund: Script,
}

/// At most `limit` failures on `scope`/`key` per `window` (see [`RateLimiter::attempt`]).
#[derive(Debug, Clone, Copy)]
pub struct FailureLimit<'a> {
    /// What is limited (`login-account`); part of the Redis key.
    pub scope: &'a str,
    /// Whose failures are counted (an email, a user id); stored hashed.
    pub key: &'a str,
    /// Failures allowed in a window (> 0).
    pub limit: u32,
    /// How long a window lasts from its first failure.
    pub window: Duration,
}

/// An attempt refused by a [`FailureLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Seconds until the limiting window ends (at least 1).
    pub retry_after_secs: u64,
}

/// An admitted attempt. It already counts as a failure on every limit it was admitted
/// under; [`Attempt::passed`] gives that back once it is known not to have failed.
#[must_use = "say whether the attempt failed"]
pub struct Attempt {
    limiter: RateLimiter,
    keys: Vec<String>,
}

// Admits an attempt unless a counter is at its limit, and then counts it on every counter,
// in one atomic step. Checking first and counting only after a failure would let a burst
// of concurrent guesses all pass the check before any of them is counted.
// KEYS[i]: a counter; ARGV[2i-1]: its limit; ARGV[2i]: its window in ms.
// Returns 0 when admitted, else the ms until the longest-lasting full window ends.
const ADMIT: &str = r"
local wait = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i])
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then redis.call('PEXPIRE', key, window); ttl = window end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
end
return 0
";

// Gives an admitted attempt back. A counter whose window has ended is not recreated (DECR
// on a missing key would leave a -1 without expiry); DECR keeps the TTL.
const REFUND: &str = r"
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
";

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
            admit: Script::new(ADMIT),
            refund: Script::new(REFUND),
        }
    }

    // Hashed: bounded length whatever the client sends, and no emails kept in Redis.
    fn redis_key(&self, scope: &str, key: &str) -> String {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
        format!("{}:{scope}:{}", self.prefix, URL_SAFE_NO_PAD.encode(digest))
    }

    /// Counts one hit on `scope`/`key` and decides against `limit` per `window`.
    pub async fn hit(&self, scope: &str, key: &str, limit: u32, window: Duration) -> Decision {
        let redis_key = self.redis_key(scope, key);
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

    /// Admits an attempt that may fail unless one of `limits` already counts `limit`
    /// failures in its window. Until [`Attempt::passed`], the attempt counts as a failure
    /// on all of them, so attempts still in flight count too. Degrades open (logged).
    pub async fn attempt(&self, limits: &[FailureLimit<'_>]) -> Result<Attempt, Refused> {
        let keys: Vec<String> = limits
            .iter()
            .map(|l| self.redis_key(l.scope, l.key))
            .collect();
        let mut invocation = self.admit.prepare_invoke();
        for (key, limit) in keys.iter().zip(limits) {
            invocation
                .key(key)
                .arg(limit.limit)
                .arg(limit.window.as_millis() as u64);
        }
        let mut conn = self.redis.clone();
        let result: redis::RedisResult<i64> = bounded(invocation.invoke_async(&mut conn)).await;
        let keys = match result {
            Ok(0) => keys,
            Ok(wait_ms) => {
                return Err(Refused {
                    retry_after_secs: (wait_ms.max(1) as u64).div_ceil(1000),
                });
            }
            Err(err) => {
                let scope = limits.first().map_or("", |l| l.scope);
                tracing::warn!(error = %err, scope, "rate limit unavailable, allowing attempt");
                Vec::new()
            }
        };
        Ok(Attempt {
            limiter: self.clone(),
            keys,
        })
    }
}

impl Attempt {
    /// The attempt failed: it stays counted until its windows end.
    pub fn failed(self) {}

    /// The attempt did not fail (it succeeded, or broke for another reason): its count is
    /// given back. If Redis cannot be asked it stays counted, which is logged.
    pub async fn passed(self) {
        if self.keys.is_empty() {
            return;
        }
        let mut invocation = self.limiter.refund.prepare_invoke();
        for key in &self.keys {
            invocation.key(key);
        }
        let mut conn = self.limiter.redis.clone();
        let result: redis::RedisResult<i64> = bounded(invocation.invoke_async(&mut conn)).await;
        if let Err(err) = result {
            tracing::warn!(error = %err, "rate limit unavailable, a passed attempt stays counted");
        }
    }
}

/// The `detail` of a 429: what every service's rate-limited error says.
pub fn too_many_requests_detail(retry_after_secs: u64) -> String {
    format!("Too many requests. Try again in {retry_after_secs} seconds.")
}

/// The 429 answer with `Retry-After`.
pub fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut response = detail_response(
        StatusCode::TOO_MANY_REQUESTS,
        &too_many_requests_detail(retry_after_secs),
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
/// whatever the client wrote), or the peer address when there is no proxy. Behind the
/// gateway that is its one entry (`TRUSTED_PROXY_HOPS=1`): the gateway alone decides the
/// client's address (docs/operations.md). An IPv6 client is its /64, see [`limit_key`].
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
        return limit_key(forwarded[forwarded.len() - trusted_hops]);
    }
    match req.remote_addr().as_socket_addr() {
        Some(addr) => limit_key(&addr.ip().to_string()),
        None => "unknown".to_owned(),
    }
}

/// One key per client: an IPv4 address as it is; an IPv6 address as its /64, the least a
/// subscriber is given (RFC 6177), so one host cannot take 2^64 buckets by rotating its
/// interface bits. An IPv4-mapped IPv6 address is its IPv4 address; anything that is not
/// an address is kept as written.
fn limit_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
        Err(_) => address.to_owned(),
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

    #[test]
    fn an_ipv6_client_is_keyed_by_its_64_so_rotating_interface_bits_changes_nothing() {
        let one = request(Some("6.6.6.6, 2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        let other = request(Some("2001:db8:1:2::1"));
        assert_eq!(client_ip(&one, 1), "2001:db8:1:2::/64");
        assert_eq!(client_ip(&other, 1), "2001:db8:1:2::/64");
        let next_network = request(Some("2001:db8:1:3::1"));
        assert_eq!(client_ip(&next_network, 1), "2001:db8:1:3::/64");
    }

    #[test]
    fn ipv4_and_ipv4_mapped_clients_keep_their_whole_address() {
        assert_eq!(client_ip(&request(Some("203.0.113.7")), 1), "203.0.113.7");
        assert_eq!(
            client_ip(&request(Some("::ffff:203.0.113.8")), 1),
            "203.0.113.8"
        );
        assert_eq!(
            client_ip(&request(Some("not-an-address")), 1),
            "not-an-address"
        );
    }
}

//! The rate limits of the auth endpoints, with the client address they are keyed on:
//! folio-shared's Redis limiter, its refusals turned into [`AuthError::RateLimited`].

use std::time::Duration;

use folio_shared::rate_limit::{Attempt, Decision, FailureLimit, RateLimiter, client_ip};
use poem::Request;

use crate::error::AuthError;

/// The window of the per-minute limits.
pub const MINUTE: Duration = Duration::from_secs(60);
/// The window of the account-wide backstops and the mail cap.
pub const HOUR: Duration = Duration::from_secs(3600);

/// Counts requests and failed attempts in Redis; 429 past a limit.
#[derive(Clone)]
pub struct RateLimits {
    limiter: RateLimiter,
    /// Proxies whose `X-Forwarded-For` entries are trusted (see `client_ip`).
    trusted_proxy_hops: usize,
}

impl RateLimits {
    /// Limits kept by `limiter`, clients known through `trusted_proxy_hops` proxies.
    pub fn new(limiter: RateLimiter, trusted_proxy_hops: usize) -> Self {
        Self {
            limiter,
            trusted_proxy_hops,
        }
    }

    /// Counts a hit of the client of `req` on `scope`; 429 past `per_minute`. Returns the
    /// client's address, which other limits and logs key on.
    pub async fn per_client(
        &self,
        req: &Request,
        scope: &str,
        per_minute: u32,
    ) -> Result<String, AuthError> {
        let ip = client_ip(req, self.trusted_proxy_hops);
        self.enforce(scope, &ip, per_minute, MINUTE).await?;
        Ok(ip)
    }

    /// Counts a hit on `scope`/`key`; 429 past `limit` per `window`.
    pub async fn enforce(
        &self,
        scope: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), AuthError> {
        match self.hit(scope, key, limit, window).await {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after_secs } => Err(AuthError::RateLimited(retry_after_secs)),
        }
    }

    /// Counts a hit on `scope`/`key` and says whether it is under `limit` per `window`,
    /// for callers that answer something else than 429 past it.
    pub async fn hit(&self, scope: &str, key: &str, limit: u32, window: Duration) -> Decision {
        self.limiter.hit(scope, key, limit, window).await
    }

    /// Admits an attempt that may fail under `limits`, or answers 429 when one is full.
    pub async fn begin_attempt(&self, limits: &[FailureLimit<'_>]) -> Result<Attempt, AuthError> {
        Ok(self.limiter.attempt(limits).await?)
    }
}

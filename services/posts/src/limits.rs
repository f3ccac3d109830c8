//! How many posts one user may write a minute (`POST_RATE_LIMIT_PER_MINUTE`), counted in
//! Redis so every instance shares the count. Keyed by user id, not client address: one
//! account posting from many addresses is still one writer, and many people behind one
//! address do not share a budget. Redis down degrades open (see
//! [`folio_shared::rate_limit`]): writing is not stopped because a counter is unreachable.

use std::time::Duration;

use folio_shared::rate_limit::{Decision, RateLimiter};

use crate::error::PostsError;

const WINDOW: Duration = Duration::from_secs(60);

/// The per-user limit on new posts.
#[derive(Clone)]
pub struct PostingLimit {
    limiter: RateLimiter,
    per_minute: u32,
}

impl PostingLimit {
    /// `per_minute` new posts per user and minute, counted by `limiter`.
    pub fn new(limiter: RateLimiter, per_minute: u32) -> Self {
        Self {
            limiter,
            per_minute,
        }
    }

    /// Counts one new post by `user_id`; 429 once the minute's budget is spent.
    pub async fn check(&self, user_id: i64) -> Result<(), PostsError> {
        let key = user_id.to_string();
        match self
            .limiter
            .hit("post-user", &key, self.per_minute, WINDOW)
            .await
        {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after_secs } => {
                Err(PostsError::RateLimited(retry_after_secs))
            }
        }
    }
}

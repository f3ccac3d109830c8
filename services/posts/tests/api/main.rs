//! Integration tests of the posts service against real Postgres and Redis.

mod content_cap;
mod cursors;
mod early_answers;
mod explain;
mod failures;
mod feeds;
mod helpers;
mod input;
mod page_bytes;
mod post_limits;
mod posts;

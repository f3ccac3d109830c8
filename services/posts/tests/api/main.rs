//! Integration tests of the posts service against real Postgres.

mod explain;
mod failures;
mod feeds;
mod helpers;
mod posts;

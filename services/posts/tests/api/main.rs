//! Integration tests of the posts service against real Postgres.

mod cursors;
mod early_answers;
mod explain;
mod failures;
mod feeds;
mod helpers;
mod input;
mod posts;

//! Integration tests of the posts service against real Postgres and Redis.

mod caching;
mod conditional_gets;
mod content_cap;
mod cursors;
mod early_answers;
mod edit_times;
mod explain;
mod failures;
mod feeds;
mod feeds_xml;
mod helpers;
mod hostile_text;
mod input;
mod page_bytes;
mod pages;
mod post_limits;
mod posts;
mod reader_caching;
mod sitemap;

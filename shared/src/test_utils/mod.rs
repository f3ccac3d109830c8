//! Integration-test helpers (feature `test-utils`): a fresh, migrated database and a Redis
//! key prefix per test, both deleted afterwards, and settings pointing a service at them.
//!
//! Tests use the machine's Postgres and Redis: `DATABASE_URL` and `REDIS_URL`, defaulting
//! to `postgres://postgres@127.0.0.1:5432/postgres` and `redis://127.0.0.1:6379`.

mod database;
mod mail;
mod redis_prefix;
mod server;
mod tokens;

pub use database::{TestDb, insert_user};
pub use mail::decode_quoted_printable;
pub use redis_prefix::RedisPrefix;
pub use server::{TestServer, http_client, test_settings, test_vars};
pub use tokens::valid_claims;

/// The server tests create their databases on.
pub fn admin_database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The Redis tests use.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Process-wide set-up every test needs: the TLS provider and tracing (without log
/// output), so trace context flows as in a running service.
fn init_once() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        crate::install_crypto_provider();
        // Kept for the whole test process; spans are never exported in tests.
        std::mem::forget(crate::telemetry::init_without_logs("folio-test"));
    });
}

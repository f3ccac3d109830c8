//! `folio-shared`: everything the Folio services have in common, so each service is only
//! its own endpoints.
//!
//! # Layout
//! - [`config`]: typed settings from the environment in groups (database, Redis, HTTP edge,
//!   JWT, pictures...), each with its loader (`.env` in development only).
//! - [`db`]: the Postgres pool and the one place statements are prepared or sent unnamed.
//! - [`http`]: security headers, CORS, body limits, JSON errors and 422 validation bodies.
//! - [`validation`]: field checks that produce FastAPI-shaped 422 details.
//! - [`health`]: `/health`, `/livez`, `/metrics`, and the `/docs` + `/openapi.json` routes.
//! - [`jwt`]: Ed25519 keys, JWKS, token signing and verification.
//! - [`dev_key`]: development keys in files, created once however many services start.
//! - [`auth`]: the bearer security scheme every service uses, with the token-version check.
//! - [`redis`]: the Redis connection manager with bounded timeouts.
//! - [`rate_limit`]: fixed-window limits in Redis, answered with 429 + `Retry-After`.
//! - [`queue`]: the mail job, its sealed link and the producer of `folio:mail` (the
//!   consumer is the mail worker's).
//! - [`storage`]: the media object store (`MEDIA_STORE_URL`), objects by key.
//! - [`telemetry`]: JSON logs for Cloud Logging and OpenTelemetry tracing.
//! - [`server`]: binding, serving and draining on SIGTERM/SIGINT.
//! - `test_utils` (feature `test-utils`): a fresh migrated database per test.
//! - `test_asserts` (feature `test-utils`): the API tests' assertions on statuses and bodies.

pub mod auth;
pub mod config;
pub mod db;
pub mod dev_key;
pub mod health;
pub mod http;
pub mod jwt;
pub mod queue;
pub mod rate_limit;
pub mod redis;
pub mod server;
pub mod storage;
pub mod telemetry;
pub mod validation;

#[cfg(feature = "test-utils")]
pub mod test_asserts;
#[cfg(feature = "test-utils")]
pub mod test_utils;

/// Installs aws-lc-rs as the process-wide rustls provider. Call first thing in `main` and in
/// test setup: several crates enable rustls and, without a chosen provider, TLS panics.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

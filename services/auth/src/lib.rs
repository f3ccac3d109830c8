//! `folio-auth`: accounts, login, access tokens, profiles, password change and reset.
//!
//! # Layout
//! - [`startup`]: `Application::build(Settings)`, used by `main` and the tests.
//! - [`users`]: register, me, public profile, update, delete.
//! - [`username`]: the rules of a username (NFC, no hidden or line-breaking characters).
//! - [`tokens`]: login (OAuth2 password form) and the JWKS.
//! - [`password_change`]: change the password while logged in.
//! - [`password_reset`]: forgot-password (token + mail job) and reset-password.
//! - [`mail_wake`]: wakes the mail worker when a mail was queued.
//! - [`passwords`]: Argon2id hashing off the runtime.
//! - [`legacy_hashes`]: whether FastAPI blog hashes remain (the unknown-email cost).
//! - [`repo`]: users-table SQL shared by the endpoints.
//! - [`error`]: the service's one error enum.
//! - [`docs`]: the errors and field checks its OpenAPI document adds.

pub mod docs;
pub mod error;
pub mod legacy_hashes;
pub mod mail_wake;
pub mod password_change;
pub mod password_reset;
pub mod passwords;
pub mod repo;
pub mod startup;
pub mod tokens;
pub mod username;
pub mod users;

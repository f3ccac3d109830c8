//! `folio-auth`: accounts, login, access tokens, profiles, password change and reset.
//!
//! # Layout
//! - [`config`]: the service's [`config::Settings`]: the shared groups it uses and its own.
//! - [`startup`]: `Application::build(Settings)`, used by `main` and the tests; it gives
//!   each endpoint type what it uses.
//! - Endpoints: [`users`] (register, me, public profile, update, delete) with
//!   [`email_change`], [`tokens`]
//!   (login, the JWKS), [`password_change`], [`password_reset`] (forgot, reset).
//! - Collaborators: [`limits`] (rate limits and the client address), [`token_issuer`],
//!   [`current_password`] (the throttled check), [`password_replacement`] (a new password
//!   and its mail, for change and reset), [`mail`] (publish outbox jobs, wake the worker),
//!   [`mail_wake`], [`passwords`] (Argon2id off the runtime, the hashing itself in the private
//!   `argon2id`), [`legacy_hashes`] (whether
//!   FastAPI blog hashes remain: the unknown-email cost).
//! - Data and rules: [`repo`] (users-table SQL shared by the endpoints), [`reset_tokens`],
//!   [`rules`] (field checks of several endpoints), [`username`].
//! - [`error`]: the service's one error enum; [`docs`]: the errors and field checks its
//!   OpenAPI document adds.

mod argon2id;
pub mod config;
pub mod current_password;
pub mod docs;
pub mod email_change;
pub mod error;
pub mod legacy_hashes;
pub mod limits;
pub mod mail;
pub mod mail_wake;
pub mod password_change;
pub mod password_replacement;
pub mod password_reset;
pub mod passwords;
pub mod repo;
pub mod reset_tokens;
pub mod rules;
pub mod startup;
pub mod token_issuer;
pub mod tokens;
pub mod username;
pub mod users;

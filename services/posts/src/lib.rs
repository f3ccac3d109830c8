//! `folio-posts`: the public feed, per-user feeds, and creating, editing and deleting
//! posts with ownership checks.
//!
//! # Layout
//! - [`config`]: the service's [`config::Settings`]: the shared groups it uses and its own.
//! - [`startup`]: `Application::build(Settings)`, used by `main` and the tests.
//! - [`cache`]: ready bytes of public reads for anonymous readers, at most a second old.
//! - [`cache_hits`]: answers what the cache holds before routing.
//! - [`feeds`]: `GET /api/posts` and `GET /api/users/{id}/posts`, paginated.
//! - [`posts`]: create, read, replace, edit and delete one post.
//! - [`readers`]: the HTML pages of posts and users, Atom feeds, the sitemap.
//! - [`limits`]: how many posts a user may write a minute.
//! - [`cursor`]: keyset positions, so deep pages cost what the first one does.
//! - [`model`]: the response shapes and how a [`repo::PostRow`] becomes one.
//! - [`repo`]: the SQL, one round trip per request, and the typed rows it gives.
//! - [`error`]: the service's one error enum.
//! - [`docs`]: the errors and input checks its OpenAPI document adds.

pub mod cache;
pub mod cache_hits;
pub mod config;
pub mod cursor;
pub mod docs;
pub mod error;
pub mod feeds;
pub mod limits;
pub mod model;
pub mod posts;
pub mod readers;
pub mod repo;
pub mod startup;

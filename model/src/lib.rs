//! `folio-model`: the domain more than one service speaks. folio-shared is the platform
//! (no domain rules); what a single service owns stays in that service.
//!
//! # Layout
//! - [`users`]: the user row, its public and private shapes, and how `image_path` is built
//!   (auth, posts and media all answer users).
//! - [`pictures`]: where profile pictures live in the object store and which file names
//!   are pictures at all (media writes and serves them, auth deletes them with an account).

pub mod pictures;
pub mod users;

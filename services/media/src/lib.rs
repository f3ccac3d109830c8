//! `folio-media`: profile pictures. An upload is streamed and capped, sniffed by its magic
//! bytes, decoded under pixel and memory limits off the async runtime, turned upright,
//! centre-cropped to 300x300 and re-encoded as JPEG (metadata dropped) before it is
//! stored; the user's row then points at it and the old picture is deleted.
//!
//! # Layout
//! - [`config`]: the service's [`config::Settings`]: the shared groups it uses and its own.
//! - [`startup`]: `Application::build(Settings)`, used by `main` and the tests.
//! - [`pictures`]: `PATCH` and `DELETE /api/users/{id}/picture`.
//! - [`upload`]: the multipart payload, read as a stream with a hard cap.
//! - [`processing`]: sniffing, bounded decoding and the 300x300 JPEG.
//! - [`files`]: `GET /media/{key}` when the store is a local folder.
//! - [`error`]: the service's one error enum.
//! - [`docs`]: the errors its OpenAPI document adds.

pub mod config;
pub mod docs;
pub mod error;
pub mod files;
pub mod pictures;
pub mod processing;
pub mod startup;
pub mod upload;

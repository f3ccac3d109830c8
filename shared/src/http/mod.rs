//! The HTTP layer every Folio API is wrapped in, so each service only writes endpoints.
//!
//! [`wrap_api`] applies, outermost first: request tracing, draining what a handler left
//! of the request body (so an early answer reaches a proxy intact), security headers and
//! `Cache-Control`, CORS, `304 Not Modified` for public reads the client already holds,
//! error bodies (`{"detail": ...}` and FastAPI-shaped 422s), and
//! the request body limit.

mod allow;
mod body_limit;
mod conditional;
mod cors;
mod drain;
mod errors;
mod headers;
mod openapi;

use poem::{Endpoint, EndpointExt, IntoEndpoint, Response};

pub use self::{
    allow::AllowHeader,
    body_limit::BodyLimit,
    conditional::{NotModified, Representation, TaggedJson, etag_of, if_none_match},
    cors::Cors,
    drain::{DRAIN_MAX_BYTES, DRAIN_MAX_TIME, DrainUnreadBody},
    errors::{
        Detail, database_error_response, detail_response, internal_error_response,
        unavailable_response, unexpected_error_response,
    },
    headers::{SecurityHeaders, is_local_host},
    openapi::{ApiDocs, FieldRules, OperationErrors, ParamRules},
};
use crate::telemetry::RequestTracing;

/// JSON APIs take small bodies: 64 KiB is far beyond any valid request of auth.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// What differs between services in the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// `detail` of the 413 answer.
    pub too_large_detail: String,
    /// Exact origins allowed to call cross-origin.
    pub allowed_origins: Vec<String>,
    /// Pass bodies without `Content-Length` on as a stream instead of buffering them up
    /// to the limit; the endpoints must cap what they read themselves.
    pub stream_bodies: bool,
}

impl HttpOptions {
    /// Options for a JSON API with the default body limit.
    pub fn json_api(allowed_origins: Vec<String>) -> Self {
        Self {
            body_limit: DEFAULT_BODY_LIMIT,
            too_large_detail: "Request body too large".to_owned(),
            allowed_origins,
            stream_bodies: false,
        }
    }

    /// The same with another body limit.
    pub fn with_body_limit(self, body_limit: usize) -> Self {
        Self { body_limit, ..self }
    }
}

fn body_limit(options: &HttpOptions) -> BodyLimit {
    let limit = BodyLimit::new(options.body_limit, options.too_large_detail.clone());
    if options.stream_bodies {
        limit.streaming()
    } else {
        limit
    }
}

/// Wraps a service's routes in the shared HTTP layer.
pub fn wrap_api<R>(routes: R, options: HttpOptions) -> impl Endpoint<Output = Response>
where
    R: IntoEndpoint,
    R::Endpoint: 'static,
{
    routes
        .into_endpoint()
        .with(body_limit(&options))
        .around(errors::render_errors)
        .with(NotModified)
        .with(Cors::new(options.allowed_origins))
        .with(SecurityHeaders)
        .with(DrainUnreadBody)
        .with(RequestTracing)
        .map_to_response()
}

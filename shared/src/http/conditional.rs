//! Conditional GETs (RFC 9110 §13.1.2): a public read carries a strong `ETag`, a hash of
//! its body bytes, and a client that sends it back in `If-None-Match` gets `304 Not
//! Modified` with no body: headers only, whatever the size of the page it already holds.
//!
//! Handlers answer with [`TaggedJson`] (shown in the OpenAPI document as plain JSON of its
//! type, so the document does not change); [`NotModified`], inside CORS and the security
//! headers so a 304 gets those too, turns a matching 200 into the 304. The bytes are
//! written once and hashed once, so a service may keep a [`Representation`] and serve it
//! again.

use std::marker::PhantomData;

use aws_lc_rs::digest::{SHA256, digest};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use bytes::Bytes;
use poem::{
    Body, Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};
use poem_openapi::{
    payload::Payload,
    registry::{MetaSchemaRef, Registry},
    types::Type,
};

/// The content type of API JSON (the one poem-openapi's `Json` sends).
const JSON: &str = "application/json; charset=utf-8";

/// A response body as sent, with its entity tag.
#[derive(Debug, Clone)]
pub struct Representation {
    body: Bytes,
    etag: HeaderValue,
}

impl Representation {
    /// `value` written straight to JSON bytes (no `serde_json::Value` tree in between).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        let mut body = Vec::with_capacity(512);
        serde_json::to_writer(&mut body, value)?;
        Ok(Self::of(body.into()))
    }

    /// `body` with its tag.
    pub fn of(body: Bytes) -> Self {
        let etag = etag_of(&body);
        Self { body, etag }
    }

    /// The bytes sent.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `ETag` header value, quoted.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }
}

/// A strong entity tag for `body`: the first 128 bits of its SHA-256 (one version of a
/// resource is never mistaken for another), base64url, quoted. A hash of the bytes rather
/// than a version column, so every instance and every path to the same bytes (cache or
/// database) agrees without coordination.
pub fn etag_of(body: &[u8]) -> HeaderValue {
    let hash = digest(&SHA256, body);
    let tag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&hash.as_ref()[..16]));
    HeaderValue::from_str(&tag).expect("base64url and quotes are valid header text")
}

/// JSON bytes of a `T` with their `ETag`; the OpenAPI document shows it exactly as
/// `Json<T>`.
pub struct TaggedJson<T> {
    representation: Representation,
    shape: PhantomData<fn() -> T>,
}

impl<T> TaggedJson<T> {
    /// Sends `representation`, documented as a `T`.
    pub fn new(representation: Representation) -> Self {
        Self {
            representation,
            shape: PhantomData,
        }
    }
}

impl<T: Type> Payload for TaggedJson<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T> IntoResponse for TaggedJson<T> {
    fn into_response(self) -> Response {
        self.representation.into_response()
    }
}

/// A 200 of the bytes as API JSON, with their `ETag` (a service answering from kept
/// representations before its routes sends them this way too).
impl IntoResponse for Representation {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(JSON)
            .header(header::ETAG, self.etag)
            .body(self.body)
    }
}

/// True when an `If-None-Match` value matches `etag` (weak comparison, as RFC 9110 asks
/// for this header): `*`, or a list of entity tags one of which is `etag`, `W/` or not.
/// A malformed list matches nothing, so the client gets the full answer.
pub fn if_none_match(list: &[u8], etag: &[u8]) -> bool {
    let ours = etag.strip_prefix(b"W/").unwrap_or(etag);
    if list.trim_ascii() == b"*" {
        return true;
    }
    let mut rest = list;
    loop {
        rest = rest.trim_ascii_start();
        while let Some(after) = rest.strip_prefix(b",") {
            rest = after.trim_ascii_start();
        }
        if rest.is_empty() {
            return false;
        }
        rest = rest.strip_prefix(b"W/").unwrap_or(rest);
        let Some(quoted) = rest.strip_prefix(b"\"") else {
            return false;
        };
        let Some(end) = quoted.iter().position(|&b| b == b'"') else {
            return false;
        };
        if &rest[..end + 2] == ours {
            return true;
        }
        rest = &quoted[end + 1..];
    }
}

/// Middleware answering `304 Not Modified` to a `GET` or `HEAD` whose `If-None-Match`
/// matches the `ETag` of the 200 the endpoint gave.
pub struct NotModified;

impl<E: Endpoint> Middleware<E> for NotModified {
    type Output = NotModifiedEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        NotModifiedEndpoint { inner }
    }
}

/// Endpoint produced by [`NotModified`].
pub struct NotModifiedEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for NotModifiedEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let conditions: Vec<HeaderValue> = if matches!(*req.method(), Method::GET | Method::HEAD) {
            req.headers()
                .get_all(header::IF_NONE_MATCH)
                .iter()
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let response = self.inner.call(req).await?.into_response();
        let held = response.status() == StatusCode::OK
            && response.headers().get(header::ETAG).is_some_and(|etag| {
                conditions
                    .iter()
                    .any(|list| if_none_match(list.as_bytes(), etag.as_bytes()))
            });
        Ok(if held {
            not_modified(response)
        } else {
            response
        })
    }
}

/// The 304 for `response`: its headers (`ETag`, `Cache-Control`, `Vary`...) without the
/// body and what describes it.
fn not_modified(response: Response) -> Response {
    let (mut parts, _body) = response.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: &[u8] = b"\"abc\"";

    #[test]
    fn a_list_matches_when_any_of_its_tags_is_ours_weak_or_strong() {
        for list in [
            "\"abc\"",
            "W/\"abc\"",
            "\"x\", \"abc\"",
            " \"x\" ,W/\"abc\" ",
            "*",
            " * ",
            ",,\"abc\"",
        ] {
            assert!(if_none_match(list.as_bytes(), TAG), "{list}");
        }
    }

    #[test]
    fn other_tags_and_malformed_lists_do_not_match() {
        for list in [
            "\"abcd\"",
            "\"ab\"",
            "abc",
            "\"a,bc\"",
            "\"x\", abc",
            "\"abc",
            "",
            "W/",
            "*, \"x\"",
        ] {
            assert!(!if_none_match(list.as_bytes(), TAG), "{list}");
        }
    }

    #[test]
    fn a_tag_with_a_comma_inside_is_read_whole() {
        assert!(if_none_match(b"\"a,b\", \"c\"", b"\"a,b\""));
        assert!(if_none_match(b"\"a,b\", \"c\"", b"\"c\""));
    }

    #[test]
    fn the_same_bytes_always_get_the_same_strong_tag_and_others_another() {
        let tag = etag_of(b"{\"id\":1}");
        assert_eq!(tag, etag_of(b"{\"id\":1}"));
        assert_ne!(tag, etag_of(b"{\"id\":2}"));
        let text = tag.to_str().unwrap();
        assert!(text.starts_with('"') && text.ends_with('"') && !text.starts_with("W/"));
        assert_eq!(text.len(), 24);
    }
}

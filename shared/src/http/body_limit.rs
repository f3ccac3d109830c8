//! Refuses request bodies over a limit with 413, whether or not `Content-Length` is sent
//! or honest: a declared length over the limit is refused before reading, and an
//! undeclared (chunked) body is read up to the limit plus one byte at most. Endpoints
//! that stream their body with a cap of their own (uploads) can have undeclared bodies
//! passed on unread instead, so nothing is buffered here.

use poem::{
    Endpoint, Middleware, Request, Result,
    http::{StatusCode, header},
};

use super::detail_response;

/// Middleware limiting the request body to `limit` bytes.
pub struct BodyLimit {
    limit: usize,
    detail: String,
    stream_undeclared: bool,
}

impl BodyLimit {
    /// Limits bodies to `limit` bytes, answering 413 with `detail`.
    pub fn new(limit: usize, detail: impl Into<String>) -> Self {
        Self {
            limit,
            detail: detail.into(),
            stream_undeclared: false,
        }
    }

    /// Passes bodies without `Content-Length` on unread: the endpoint caps them itself.
    pub fn streaming(self) -> Self {
        Self {
            stream_undeclared: true,
            ..self
        }
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            limit: self.limit,
            detail: self.detail.clone(),
            stream_undeclared: self.stream_undeclared,
        }
    }
}

/// Endpoint produced by [`BodyLimit`].
pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
    detail: String,
    stream_undeclared: bool,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = poem::Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let too_large = || Ok(detail_response(StatusCode::PAYLOAD_TOO_LARGE, &self.detail));
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match declared {
            Some(length) if length > self.limit as u64 => return too_large(),
            // hyper stops a body at its declared length, so a lying header cannot overrun.
            Some(_) => {}
            None if self.stream_undeclared => {}
            None => {
                // Chunked or unknown length: buffer at most limit + 1 bytes to decide.
                match req.take_body().into_bytes_limit(self.limit).await {
                    Ok(bytes) => req.set_body(bytes),
                    Err(poem::error::ReadBodyError::PayloadTooLarge) => return too_large(),
                    Err(err) => {
                        return Ok(detail_response(
                            StatusCode::BAD_REQUEST,
                            &format!("Could not read the request body: {err}"),
                        ));
                    }
                }
            }
        }
        Ok(poem::IntoResponse::into_response(
            self.inner.call(req).await?,
        ))
    }
}

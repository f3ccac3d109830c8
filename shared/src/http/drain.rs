//! Reads what a handler left of the request body before the answer goes out.
//!
//! A service that answers early (a 413 over the body limit, a 401 or a 503 decided before
//! the body was read) and then closes the connection with request bytes still unread makes
//! the kernel send a TCP reset. A reverse proxy still sending the body then loses the
//! answer and reports 502; measured through Caddy, a 12 MiB post came back 502 about one
//! time in three instead of the service's 413. And a connection closed right after an
//! answer that did not say `Connection: close` can be picked from the proxy's idle pool
//! just as it dies ("server closed idle connection", 502 for a POST, which is not retried).
//!
//! So the rest of the body is read and thrown away, up to [`DRAIN_MAX_BYTES`] (Cloud Run's
//! own cap on an HTTP/1 request) and for at most [`DRAIN_MAX_TIME`]: then the connection
//! stays open for the next request. A body that is larger or slower gets its answer with
//! `Connection: close`, so no proxy reuses the connection.

use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use poem::{
    Body, Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, header},
};

/// Most unread body bytes thrown away to keep a connection usable (Cloud Run refuses
/// HTTP/1 requests over 32 MiB anyway).
pub const DRAIN_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// Longest time spent throwing a body away: a slow sender does not hold a slot longer.
pub const DRAIN_MAX_TIME: Duration = Duration::from_secs(5);

type BodyStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Middleware that drains the unread rest of each request body (see the module docs).
pub struct DrainUnreadBody;

impl<E: Endpoint> Middleware<E> for DrainUnreadBody {
    type Output = DrainUnreadBodyEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        DrainUnreadBodyEndpoint { inner }
    }
}

/// Endpoint produced by [`DrainUnreadBody`].
pub struct DrainUnreadBodyEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for DrainUnreadBodyEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let body = req.take_body();
        if body.is_empty() {
            req.set_body(body);
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > DRAIN_MAX_BYTES) {
            // Not worth reading: answer at once, and make sure nobody reuses the line.
            req.set_body(body);
            let mut response = match self.inner.call(req).await {
                Ok(output) => output.into_response(),
                Err(err) => err.into_response(),
            };
            close_after(&mut response);
            return Ok(response);
        }
        // The handler reads through a handle; what it leaves stays here to be drained.
        let rest = SharedBody(Arc::new(Mutex::new(Box::pin(body.into_bytes_stream()))));
        req.set_body(Body::from_bytes_stream(rest.clone()));
        let mut response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => err.into_response(),
        };
        if !rest.drain().await {
            close_after(&mut response);
        }
        Ok(response)
    }
}

fn close_after(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// The request body, readable by the handler and afterwards by the drain.
#[derive(Clone)]
struct SharedBody(Arc<Mutex<BodyStream>>);

impl SharedBody {
    /// Reads to the end within the byte and time budgets; true when the end was reached
    /// (or the sender broke off, which leaves nothing to reset).
    async fn drain(mut self) -> bool {
        let mut thrown_away = 0u64;
        let read_to_end = async {
            while let Some(chunk) = self.next().await {
                match chunk {
                    Ok(bytes) => {
                        thrown_away += bytes.len() as u64;
                        if thrown_away > DRAIN_MAX_BYTES {
                            return false;
                        }
                    }
                    Err(_) => return true,
                }
            }
            true
        };
        tokio::time::timeout(DRAIN_MAX_TIME, read_to_end)
            .await
            .unwrap_or(false)
    }
}

impl Stream for SharedBody {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Never contended: the handler and the drain read one after the other.
        match self.0.lock() {
            Ok(mut stream) => stream.as_mut().poll_next(cx),
            Err(_) => Poll::Ready(None),
        }
    }
}

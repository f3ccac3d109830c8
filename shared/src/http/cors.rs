//! CORS for the exact origins of `ALLOWED_ORIGINS` (never `*`).
//!
//! A request from any other origin is served without CORS headers rather than refused:
//! the browser then withholds the response from foreign pages, while same-origin calls
//! through the gateway (which also carry `Origin`) keep working.

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};

/// Middleware adding CORS headers for allowed origins and answering their preflights.
pub struct Cors {
    allowed: Vec<HeaderValue>,
}

impl Cors {
    /// Allows exactly these origins.
    pub fn new(origins: Vec<String>) -> Self {
        Self {
            allowed: origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect(),
        }
    }
}

impl<E: Endpoint> Middleware<E> for Cors {
    type Output = CorsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CorsEndpoint {
            inner,
            allowed: self.allowed.clone(),
        }
    }
}

/// Endpoint produced by [`Cors`].
pub struct CorsEndpoint<E> {
    inner: E,
    allowed: Vec<HeaderValue>,
}

const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "authorization, content-type, traceparent";

impl<E: Endpoint> Endpoint for CorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .filter(|o| self.allowed.contains(o))
            .cloned();
        let Some(origin) = origin else {
            // The answer depends on Origin whether or not this one was allowed: a shared
            // cache must not serve a response without CORS headers to an allowed origin.
            let mut response = self.inner.call(req).await?.into_response();
            response
                .headers_mut()
                .append(header::VARY, HeaderValue::from_static("Origin"));
            return Ok(response);
        };
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let mut response = if preflight {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            response
        } else {
            self.inner.call(req).await?.into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after, www-authenticate"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        Ok(response)
    }
}

//! The security headers of `docs/api.md` on every response (errors and 404s included), and
//! `Cache-Control` on API JSON: `no-cache` (revalidate) for a public read carrying an
//! `ETag`, `no-store` for everything else.

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderMap, HeaderValue, header},
};

/// Middleware setting the security headers of `docs/api.md`.
pub struct SecurityHeaders;

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        SecurityHeadersEndpoint { inner }
    }
}

/// Endpoint produced by [`SecurityHeaders`].
pub struct SecurityHeadersEndpoint<E> {
    inner: E,
}

const HSTS: &str = "max-age=63072000; includeSubDomains";

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let local = is_local_host(req.headers());
        let mut response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => err.into_response(),
        };
        let json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let headers = response.headers_mut();
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // A handler may choose a stricter policy (the reset-password page uses no-referrer).
        if !headers.contains_key(header::REFERRER_POLICY) {
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            );
        }
        if !local {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        // A public read carries an ETag: a browser may keep it but must revalidate (and
        // so sends `If-None-Match`); any other API answer is never stored.
        if !headers.contains_key(header::CACHE_CONTROL) {
            if headers.contains_key(header::ETAG) {
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            } else if json {
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
        }
        Ok(response)
    }
}

/// True when the request was addressed to `localhost` or a loopback address, judged by
/// `X-Forwarded-Host` (set by the gateway) before `Host`. HSTS there would pin browsers
/// to HTTPS for every local project.
pub fn is_local_host(headers: &HeaderMap) -> bool {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .unwrap_or_default();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _port)| name)
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn localhost_and_loopback_are_local_with_or_without_a_port() {
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:3000",
            "[::1]:80",
            "LOCALHOST",
        ] {
            assert!(is_local_host(&headers(&[("host", host)])), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_not_local() {
        for host in ["blog.example.com", "localhost.evil.com", "127.0.0.2", ""] {
            assert!(!is_local_host(&headers(&[("host", host)])), "{host}");
        }
    }

    #[test]
    fn the_forwarded_host_of_the_gateway_wins_over_host() {
        let proxied = headers(&[
            ("host", "127.0.0.1:8081"),
            ("x-forwarded-host", "blog.example.com"),
        ]);
        assert!(!is_local_host(&proxied));
        let local = headers(&[
            ("host", "auth.internal"),
            ("x-forwarded-host", "localhost:8000"),
        ]);
        assert!(is_local_host(&local));
    }
}

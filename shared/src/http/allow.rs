//! A 405 must say which methods the resource has (`Allow`, RFC 9110 §15.5.6); poem's
//! router answers 405 without it. The methods come from the OpenAPI document's paths.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result, http::StatusCode};
use serde_json::Value;

use super::detail_response;

/// One documented path: its segments (`None` for a `{parameter}`) and its methods.
#[derive(Debug)]
struct Resource {
    segments: Vec<Option<String>>,
    allow: String,
}

impl Resource {
    fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        parts.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(parts)
                .all(|(segment, part)| match segment {
                    Some(literal) => literal == part,
                    None => !part.is_empty(),
                })
    }
}

/// Adds `Allow` to 405 answers for the paths of an OpenAPI document.
#[derive(Clone)]
pub struct AllowHeader {
    resources: Arc<Vec<Resource>>,
}

impl AllowHeader {
    /// Reads the paths and methods of `spec` (an OpenAPI JSON document).
    pub fn from_spec(spec: &Value) -> Self {
        let resources = spec
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(template, operations)| {
                let mut methods: Vec<String> = operations
                    .as_object()
                    .into_iter()
                    .flat_map(|o| o.keys())
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                // poem answers HEAD for every GET route.
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                methods.sort();
                Resource {
                    segments: template
                        .trim_matches('/')
                        .split('/')
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect(),
                    allow: methods.join(", "),
                }
            })
            .collect();
        Self {
            resources: Arc::new(resources),
        }
    }
}

impl<E: Endpoint> Middleware<E> for AllowHeader {
    type Output = AllowHeaderEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AllowHeaderEndpoint {
            inner,
            header: self.clone(),
        }
    }
}

/// Endpoint produced by [`AllowHeader`].
pub struct AllowHeaderEndpoint<E> {
    inner: E,
    header: AllowHeader,
}

impl<E: Endpoint> Endpoint for AllowHeaderEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let path = req.uri().path().to_owned();
        let result = self.inner.call(req).await.map(IntoResponse::into_response);
        let mut response = match result {
            Ok(response) => response,
            // The same JSON body the error renderer would give, now with the header.
            Err(err) if err.status() == StatusCode::METHOD_NOT_ALLOWED => {
                detail_response(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
            }
            Err(err) => return Err(err),
        };
        if response.status() == StatusCode::METHOD_NOT_ALLOWED
            && let Some(resource) = self.header.resources.iter().find(|r| r.matches(&path))
            && let Ok(allow) = resource.allow.parse()
        {
            response
                .headers_mut()
                .insert(poem::http::header::ALLOW, allow);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::{EndpointExt, handler, http::Method};
    use serde_json::json;

    #[handler]
    fn ok() -> &'static str {
        "ok"
    }

    async fn answer(method: Method, path: &str) -> Response {
        let spec = json!({"paths": {
            "/api/posts/{id}": {"get": {}, "put": {}, "patch": {}, "delete": {}},
            "/health": {"get": {}}
        }});
        let app = poem::Route::new()
            .at("/api/posts/:id", poem::get(ok).put(ok).patch(ok).delete(ok))
            .at("/health", poem::get(ok))
            .with(AllowHeader::from_spec(&spec));
        let request = Request::builder()
            .method(method)
            .uri(path.parse().unwrap())
            .finish();
        app.get_response(request).await
    }

    #[tokio::test]
    async fn a_405_lists_the_methods_of_the_resource() {
        let response = answer(Method::TRACE, "/health").await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()["allow"], "GET, HEAD");
        assert_eq!(
            response.into_body().into_string().await.unwrap(),
            r#"{"detail":"Method Not Allowed"}"#
        );
        let response = answer(Method::POST, "/api/posts/7").await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers()["allow"], "DELETE, GET, HEAD, PATCH, PUT");
    }

    #[tokio::test]
    async fn other_answers_are_left_alone() {
        let response = answer(Method::GET, "/health").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("allow").is_none());
        let response = answer(Method::POST, "/nowhere").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.headers().get("allow").is_none());
    }
}

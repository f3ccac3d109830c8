//! Every error leaves as JSON: `{"detail": "..."}`, or FastAPI's 422 list for input that
//! does not parse. poem-openapi's plain-text 400s never reach a client.

use poem::{
    Endpoint, IntoResponse, Request, Response,
    error::ReadBodyError,
    http::{StatusCode, header},
};
use poem_openapi::{
    Object,
    error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    },
};
use serde_json::json;
use std::sync::Arc;

use crate::validation::ValidationErrors;

/// The body of every error response.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct Detail {
    /// What went wrong, in words a user can read.
    pub detail: String,
}

/// `{"detail": detail}` with `status`.
pub fn detail_response(status: StatusCode, detail: &str) -> Response {
    let body = json!({ "detail": detail }).to_string();
    let mut response = Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("static header"),
        );
    }
    response
}

/// The generic 500: the cause is logged by the caller, never shown.
pub fn internal_error_response() -> Response {
    detail_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

/// The answer to a database failure: 503 when it is unreachable (logged as such), else a
/// generic 500 with the cause logged.
pub fn database_error_response(err: &crate::db::DbError) -> Response {
    if err.is_unavailable() {
        tracing::error!(
            error = err as &dyn std::error::Error,
            "database unavailable"
        );
        unavailable_response("Service temporarily unavailable")
    } else {
        tracing::error!(error = err as &dyn std::error::Error, "database error");
        internal_error_response()
    }
}

/// The answer to an unexpected failure: a generic 500, the whole cause chain logged.
pub fn unexpected_error_response(err: &anyhow::Error) -> Response {
    tracing::error!(error = %format!("{err:#}"), "internal error");
    internal_error_response()
}

/// The generic 503 for a dependency that is down; clients may retry.
pub fn unavailable_response(detail: &str) -> Response {
    let mut response = detail_response(StatusCode::SERVICE_UNAVAILABLE, detail);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, "1".parse().expect("static header"));
    response
}

/// `around` hook: turns any error of the inner endpoint into its JSON response.
pub(super) async fn render_errors<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    Ok(match ep.call(req).await {
        Ok(output) => output.into_response(),
        Err(err) => error_response(err),
    })
}

fn error_response(err: poem::Error) -> Response {
    if let Some(response) = parse_failure_response(&err) {
        return response;
    }
    if err.is::<AuthorizationError>() {
        return detail_response(StatusCode::UNAUTHORIZED, "Not authenticated");
    }
    if let Some(ReadBodyError::PayloadTooLarge) = err.downcast_ref::<ReadBodyError>() {
        return detail_response(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
    }
    if let Some(ContentTypeError::NotSupported { content_type }) = err.downcast_ref() {
        let detail = format!("Unsupported content type: {content_type}");
        return detail_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, &detail);
    }
    let status = err.status();
    let response = err.into_response();
    if is_json(&response) {
        // A service error that already rendered its own `{"detail"}`.
        return response;
    }
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), "unhandled server error");
        return internal_error_response();
    }
    detail_response(
        status,
        status.canonical_reason().unwrap_or("Request failed"),
    )
}

const INT_PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";

/// Input that did not parse becomes a FastAPI-style 422 naming where it was.
fn parse_failure_response(err: &poem::Error) -> Option<Response> {
    let (loc, msg, kind): (Vec<String>, String, &str) =
        if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
            (
                vec!["body".into()],
                e.reason.clone(),
                payload_error_type(&e.reason),
            )
        } else if let Some(e) = err.downcast_ref::<ParseParamError>() {
            // Folio's query parameters are integers (`skip`, `limit`); say so as FastAPI does.
            let (msg, kind) = if e.reason.contains("integer") {
                (INT_PARSING.to_owned(), "int_parsing")
            } else {
                (e.reason.clone(), "value_error")
            };
            (vec!["query".into(), e.name.into()], msg, kind)
        } else if err.is::<ParsePathError>() {
            // poem-openapi renames path parameters (`param0`...), so the name is lost. Every
            // Folio path has one parameter, an integer `{id}`: report it as FastAPI would.
            (
                vec!["path".into(), "id".into()],
                INT_PARSING.into(),
                "int_parsing",
            )
        } else if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
            (vec!["body".into()], e.reason.clone(), "value_error")
        } else if let Some(ContentTypeError::ExpectContentType) = err.downcast_ref() {
            (vec!["body".into()], "Field required".into(), "missing")
        } else {
            return None;
        };
    Some(ValidationErrors::single(loc, msg, kind).into_response())
}

fn payload_error_type(reason: &str) -> &'static str {
    if reason.contains("EOF") || reason.contains("expected") || reason.contains("invalid type") {
        "json_invalid"
    } else if reason.contains("missing") || reason.contains("required") {
        "missing"
    } else {
        "value_error"
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Lets a service's operations return `Result<XxxResponse, $error>`, so `?` converts every
/// error into the service's one error type. poem-openapi needs the error type to be an
/// `ApiResponse`; it documents nothing, because each service's `docs.rs` ([`ApiDocs`])
/// lists every operation's error statuses with their `Detail` bodies.
///
/// [`ApiDocs`]: crate::http::ApiDocs
#[macro_export]
macro_rules! operation_error {
    ($error:ty) => {
        impl ::poem_openapi::ApiResponse for $error {
            fn meta() -> ::poem_openapi::registry::MetaResponses {
                ::poem_openapi::registry::MetaResponses {
                    responses: ::std::vec::Vec::new(),
                }
            }

            fn register(_registry: &mut ::poem_openapi::registry::Registry) {}
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> serde_json::Value {
        serde_json::from_slice(&response.into_body().into_vec().await.unwrap()).unwrap()
    }

    #[tokio::test]
    async fn an_unparsable_body_becomes_a_422_at_body() {
        let err: poem::Error = ParseRequestPayloadError {
            reason: "EOF while parsing".into(),
        }
        .into();
        let response = error_response(err);
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_of(response).await;
        assert_eq!(body["detail"][0]["loc"], json!(["body"]));
        assert_eq!(body["detail"][0]["type"], "json_invalid");
    }

    #[tokio::test]
    async fn a_bad_query_parameter_is_located_by_name() {
        let err: poem::Error = ParseParamError {
            name: "limit",
            reason: "not a number".into(),
        }
        .into();
        let body = body_of(error_response(err)).await;
        assert_eq!(body["detail"][0]["loc"], json!(["query", "limit"]));
        assert_eq!(body["detail"][0]["msg"], "not a number");
        let err: poem::Error = ParseParamError {
            name: "skip",
            reason: "failed to parse \"integer_int64\": invalid digit found in string".into(),
        }
        .into();
        let body = body_of(error_response(err)).await;
        assert_eq!(body["detail"][0]["msg"], INT_PARSING);
        assert_eq!(body["detail"][0]["type"], "int_parsing");
    }

    #[tokio::test]
    async fn a_missing_bearer_is_401_with_www_authenticate() {
        let response = error_response(AuthorizationError.into());
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(
            body_of(response).await,
            json!({"detail": "Not authenticated"})
        );
    }

    #[tokio::test]
    async fn plain_errors_get_a_json_detail_and_5xx_stay_generic() {
        let not_found = error_response(poem::Error::from_status(StatusCode::NOT_FOUND));
        assert_eq!(body_of(not_found).await, json!({"detail": "Not Found"}));
        let boom = error_response(poem::Error::from_string(
            "secret internals",
            StatusCode::INTERNAL_SERVER_ERROR,
        ));
        assert_eq!(
            body_of(boom).await,
            json!({"detail": "Internal server error"})
        );
    }
}

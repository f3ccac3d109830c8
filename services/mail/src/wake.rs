//! `POST /internal/wake`: auth (or the scheduler) tells the worker there may be mail.
//!
//! It answers 202 at once and opens or extends the active window ([`Activity`]); the
//! consumers and the sweep drain the stream, the outbox and stale entries after the
//! answer (mail runs with CPU always allocated, so the work continues once the response
//! is sent). The caller proves itself with `Authorization: Bearer <MAIL_WAKE_TOKEN>`.
//! Hidden from the OpenAPI document: it is no public API, and the gateway never routes
//! to mail.

use aws_lc_rs::{
    constant_time::verify_slices_are_equal,
    digest::{SHA256, digest},
};
use folio_shared::http::{Detail, detail_response};
use poem::{Request, http::StatusCode};
use poem_openapi::{ApiResponse, OpenApi, payload::Json};
use secrecy::{ExposeSecret, SecretString};

use crate::activity::Activity;

/// The answer to a wake without the right token.
pub const NOT_AUTHENTICATED: &str = "Not authenticated";
/// The answer to an accepted wake.
pub const AWAKE: &str = "Awake";

/// The wake endpoint.
pub struct WakeApi {
    activity: Activity,
    /// SHA-256 of the token: comparing digests takes the same time whatever the length
    /// or the content of what a caller sends.
    token_digest: Vec<u8>,
}

impl WakeApi {
    /// Wakes `activity` for callers that present `token`.
    pub fn new(activity: Activity, token: &SecretString) -> Self {
        Self {
            activity,
            token_digest: sha256(token.expose_secret()),
        }
    }

    fn is_authorised(&self, req: &Request) -> bool {
        let Some(presented) = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
        else {
            return false;
        };
        verify_slices_are_equal(&sha256(presented), &self.token_digest).is_ok()
    }
}

fn sha256(text: &str) -> Vec<u8> {
    digest(&SHA256, text.as_bytes()).as_ref().to_vec()
}

/// The token of an `Authorization: Bearer <token>` value (the scheme in any case).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

#[derive(ApiResponse)]
enum WakeResponse {
    /// The window is open; the worker drains what is waiting.
    #[oai(status = 202)]
    Accepted(Json<Detail>),
}

#[OpenApi]
impl WakeApi {
    /// Wake the mail worker: answers at once, then drains the stream, the outbox and
    /// stale pending entries for `MAIL_ACTIVE_SECONDS`.
    #[oai(path = "/internal/wake", method = "post", hidden)]
    async fn wake(&self, req: &Request) -> poem::Result<WakeResponse> {
        if !self.is_authorised(req) {
            return Err(poem::Error::from_response(detail_response(
                StatusCode::UNAUTHORIZED,
                NOT_AUTHENTICATED,
            )));
        }
        if !self.activity.is_open() {
            tracing::info!("woken: working through the stream, the outbox and stale entries");
        }
        self.activity.extend();
        Ok(WakeResponse::Accepted(Json(Detail {
            detail: AWAKE.to_owned(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_value_with_a_token_yields_one() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}

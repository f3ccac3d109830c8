//! The one error type of the media service. Each variant's `#[error]` text is the `detail`
//! it sends, and [`MediaError::status`] states each status once.

use folio_shared::{
    db::DbError,
    http::{
        database_error_response, detail_response, unavailable_response, unexpected_error_response,
    },
    validation::ValidationErrors,
};
use poem::{Response, error::ResponseError, http::StatusCode};

use crate::processing::Refused;

/// The detail of every refused image.
pub const INVALID_IMAGE: &str =
    "Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP).";

/// Everything a media endpoint can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// 422: the multipart body is not what the endpoint takes (FastAPI's list as detail).
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// 413: the file (or the whole body) is over `MAX_UPLOAD_SIZE_BYTES`; the detail names
    /// the configured limit (`pictures::too_large_detail`).
    #[error("{0}")]
    TooLarge(String),
    /// 400: not an image of an accepted format, or one that cannot be decoded safely (why
    /// is kept for debugging; users get one message).
    #[error("{}", INVALID_IMAGE)]
    InvalidImage(#[from] Refused),
    /// 408: the body arrived slower than the minimum upload rate (see `upload`).
    #[error("The upload was too slow; try again on a faster connection")]
    TooSlow,
    /// 503: too many uploads in progress; retry shortly.
    #[error("Too many uploads in progress; try again shortly")]
    Busy,
    /// 400: deleting a picture the user does not have.
    #[error("No profile picture to delete")]
    NoPicture,
    /// 404: no user with this id.
    #[error("User not found")]
    UserNotFound,
    /// 403: changing someone else's picture.
    #[error("Not authorized to update this user")]
    NotAuthorized,
    /// 503: the object store failed; nothing changed for the user. The cause is logged.
    #[error("Storage temporarily unavailable")]
    Storage(#[from] object_store::Error),
    /// 503 when the database is unreachable, else 500 (detail from the shared answer).
    #[error(transparent)]
    Database(#[from] DbError),
    /// 500: a bug or an unexpected failure (generic detail, cause logged).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ResponseError for MediaError {
    fn status(&self) -> StatusCode {
        use MediaError::*;
        match self {
            Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            TooSlow => StatusCode::REQUEST_TIMEOUT,
            InvalidImage(_) | NoPicture => StatusCode::BAD_REQUEST,
            UserNotFound => StatusCode::NOT_FOUND,
            NotAuthorized => StatusCode::FORBIDDEN,
            Storage(_) | Busy => StatusCode::SERVICE_UNAVAILABLE,
            Database(err) if err.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Database(_) | Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// `{"detail": <the #[error] text>}` with [`Self::status`]; a 503 says when to retry.
    /// The variants that wrap another error answer as the shared layer does for it.
    fn as_response(&self) -> Response {
        match self {
            MediaError::Validation(errors) => return errors.as_response(),
            MediaError::Database(err) => return database_error_response(err),
            MediaError::Internal(err) => return unexpected_error_response(err),
            MediaError::Storage(err) => {
                tracing::error!(error = err as &dyn std::error::Error, "object store failed");
            }
            // The client gets the generic message; why the decoder refused it is for logs.
            MediaError::InvalidImage(why) => tracing::info!(reason = %why.0, "picture refused"),
            _ => {}
        }
        let detail = self.to_string();
        match self.status() {
            StatusCode::SERVICE_UNAVAILABLE => unavailable_response(&detail),
            status => detail_response(status, &detail),
        }
    }
}

folio_shared::operation_error!(MediaError);

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(err: MediaError) -> (u16, Option<String>, String) {
        let response = err.as_response();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        let body = response.into_body().into_string().await.unwrap();
        (status, retry_after, body)
    }

    #[tokio::test]
    async fn each_refusal_sends_its_status_and_its_error_text_as_detail() {
        let cases = [
            (
                MediaError::TooLarge("File too large. Maximum size is 5MB".into()),
                413,
                None,
                r#"{"detail":"File too large. Maximum size is 5MB"}"#,
            ),
            (
                MediaError::InvalidImage(Refused("svg".into())),
                400,
                None,
                r#"{"detail":"Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP)."}"#,
            ),
            (
                MediaError::TooSlow,
                408,
                None,
                r#"{"detail":"The upload was too slow; try again on a faster connection"}"#,
            ),
            (
                MediaError::Busy,
                503,
                Some("1"),
                r#"{"detail":"Too many uploads in progress; try again shortly"}"#,
            ),
            (
                MediaError::NoPicture,
                400,
                None,
                r#"{"detail":"No profile picture to delete"}"#,
            ),
            (
                MediaError::UserNotFound,
                404,
                None,
                r#"{"detail":"User not found"}"#,
            ),
            (
                MediaError::NotAuthorized,
                403,
                None,
                r#"{"detail":"Not authorized to update this user"}"#,
            ),
            (
                MediaError::Storage(object_store::Error::Generic {
                    store: "test",
                    source: "down".into(),
                }),
                503,
                Some("1"),
                r#"{"detail":"Storage temporarily unavailable"}"#,
            ),
            (
                MediaError::Internal(anyhow::anyhow!("secret")),
                500,
                None,
                r#"{"detail":"Internal server error"}"#,
            ),
        ];
        for (err, status, retry_after, body) in cases {
            let case = format!("{err:?}");
            assert_eq!(
                answer(err).await,
                (status, retry_after.map(str::to_owned), body.to_owned()),
                "{case}"
            );
        }
    }
}

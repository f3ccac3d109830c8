//! The one error type of the media service: each variant knows its status and `detail`.

use folio_shared::{
    db::DbError,
    http::{
        database_error_response, detail_response, unavailable_response, unexpected_error_response,
    },
    validation::ValidationErrors,
};
use poem::{Response, error::ResponseError, http::StatusCode};

/// The detail of every refused image.
pub const INVALID_IMAGE: &str =
    "Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP).";

/// Everything a media endpoint can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// 422: the multipart body is not what the endpoint takes.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// 413: the file (or the whole body) is over `MAX_UPLOAD_SIZE_BYTES`.
    #[error("file too large")]
    TooLarge(String),
    /// 400: not an image of an accepted format, or one that cannot be decoded safely.
    #[error("invalid image: {0}")]
    InvalidImage(String),
    /// 408: the body arrived slower than the minimum upload rate (see `upload`).
    #[error("upload too slow")]
    TooSlow,
    /// 503: too many uploads in progress; retry shortly.
    #[error("too many uploads in progress")]
    Busy,
    /// 400: deleting a picture the user does not have.
    #[error("no picture to delete")]
    NoPicture,
    /// 404: no user with this id.
    #[error("user not found")]
    UserNotFound,
    /// 403: changing someone else's picture.
    #[error("not authorized")]
    NotAuthorized,
    /// 503: the object store failed; nothing changed for the user.
    #[error("object store: {0}")]
    Storage(#[from] object_store::Error),
    /// 503 when the database is unreachable, else 500.
    #[error(transparent)]
    Database(#[from] DbError),
    /// 500: a bug or an unexpected failure.
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

    fn as_response(&self) -> Response {
        use MediaError::*;
        match self {
            Validation(errors) => errors.as_response(),
            TooLarge(detail) => detail_response(StatusCode::PAYLOAD_TOO_LARGE, detail),
            TooSlow => detail_response(
                StatusCode::REQUEST_TIMEOUT,
                "The upload was too slow; try again on a faster connection",
            ),
            InvalidImage(_) => detail_response(StatusCode::BAD_REQUEST, INVALID_IMAGE),
            NoPicture => detail_response(StatusCode::BAD_REQUEST, "No profile picture to delete"),
            UserNotFound => detail_response(StatusCode::NOT_FOUND, "User not found"),
            NotAuthorized => {
                detail_response(StatusCode::FORBIDDEN, "Not authorized to update this user")
            }
            Busy => unavailable_response("Too many uploads in progress; try again shortly"),
            Storage(err) => {
                tracing::error!(error = err as &dyn std::error::Error, "object store failed");
                unavailable_response("Storage temporarily unavailable")
            }
            Database(err) => database_error_response(err),
            Internal(err) => unexpected_error_response(err),
        }
    }
}

//! The one error type of the auth service: each variant knows its status and `detail`.

use folio_shared::{
    db::DbError,
    http::{database_error_response, detail_response, unexpected_error_response},
    rate_limit::too_many_requests,
    validation::ValidationErrors,
};
use poem::{Response, error::ResponseError, http::StatusCode};

/// Everything an auth endpoint can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// 422: the body failed validation.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// 400: another account has this username (any letter case).
    #[error("username taken")]
    UsernameTaken,
    /// 400 on registration: another account has this email (any letter case).
    #[error("email taken")]
    EmailTaken,
    /// 400 on a profile update: another account has this email. The FastAPI blog words
    /// this clash differently from registration's, and its frontends show the text.
    #[error("email already registered")]
    EmailRegistered,
    /// 401: unknown email or wrong password (the same answer for both).
    #[error("incorrect email or password")]
    IncorrectCredentials,
    /// 400: the current password given to change it (or the email) is wrong.
    #[error("current password incorrect")]
    CurrentPasswordIncorrect,
    /// 400: an email change without the current password.
    #[error("current password required")]
    CurrentPasswordRequired,
    /// 400: the reset token is unknown, used or expired.
    #[error("invalid or expired reset token")]
    InvalidResetToken,
    /// 404: no user with this id.
    #[error("user not found")]
    UserNotFound,
    /// 403: updating someone else's account.
    #[error("not authorized to update this user")]
    NotAuthorizedToUpdate,
    /// 403: deleting someone else's account.
    #[error("not authorized to delete this user")]
    NotAuthorizedToDelete,
    /// 429: too many attempts; retry after the given seconds.
    #[error("rate limited")]
    RateLimited(u64),
    /// 503 when the database is unreachable, else 500.
    #[error(transparent)]
    Database(#[from] DbError),
    /// 500: a bug or an unexpected failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AuthError {
    /// Maps a unique violation of a registration to its 400; other errors pass through.
    pub fn from_registration(err: DbError) -> Self {
        Self::from_unique_violation(err, AuthError::EmailTaken)
    }

    /// Maps a unique violation of a profile update to its 400; other errors pass through.
    pub fn from_profile_update(err: DbError) -> Self {
        Self::from_unique_violation(err, AuthError::EmailRegistered)
    }

    fn from_unique_violation(err: DbError, email_taken: AuthError) -> Self {
        match err.unique_violation() {
            Some("users_username_lower_key" | "users_username_nfc_key") => AuthError::UsernameTaken,
            Some("users_email_lower_key") => email_taken,
            _ => AuthError::Database(err),
        }
    }
}

impl ResponseError for AuthError {
    fn status(&self) -> StatusCode {
        use AuthError::*;
        match self {
            Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            UsernameTaken
            | EmailTaken
            | EmailRegistered
            | CurrentPasswordIncorrect
            | CurrentPasswordRequired
            | InvalidResetToken => StatusCode::BAD_REQUEST,
            IncorrectCredentials => StatusCode::UNAUTHORIZED,
            UserNotFound => StatusCode::NOT_FOUND,
            NotAuthorizedToUpdate | NotAuthorizedToDelete => StatusCode::FORBIDDEN,
            RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Database(err) if err.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Database(_) | Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        use AuthError::*;
        let detail = |status, text: &str| detail_response(status, text);
        match self {
            Validation(errors) => errors.as_response(),
            UsernameTaken => detail(StatusCode::BAD_REQUEST, "Username already exists"),
            EmailTaken => detail(StatusCode::BAD_REQUEST, "Email already exists"),
            EmailRegistered => detail(StatusCode::BAD_REQUEST, "Email already registered"),
            IncorrectCredentials => detail(StatusCode::UNAUTHORIZED, "Incorrect email or password"),
            CurrentPasswordIncorrect => {
                detail(StatusCode::BAD_REQUEST, "Current password is incorrect")
            }
            CurrentPasswordRequired => detail(
                StatusCode::BAD_REQUEST,
                "Current password is required to change email",
            ),
            InvalidResetToken => detail(StatusCode::BAD_REQUEST, "Invalid or expired reset token"),
            UserNotFound => detail(StatusCode::NOT_FOUND, "User not found"),
            NotAuthorizedToUpdate => {
                detail(StatusCode::FORBIDDEN, "Not authorized to update this user")
            }
            NotAuthorizedToDelete => {
                detail(StatusCode::FORBIDDEN, "Not authorized to delete this user")
            }
            RateLimited(retry_after) => too_many_requests(*retry_after),
            Database(err) => database_error_response(err),
            Internal(err) => unexpected_error_response(err),
        }
    }
}

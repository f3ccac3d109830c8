//! The one error type of the auth service. Each variant's `#[error]` text is the `detail`
//! it answers with, and [`AuthError::status`] states each status once.

use folio_shared::{
    db::DbError,
    http::{database_error_response, detail_response, unexpected_error_response},
    rate_limit::{Refused, too_many_requests},
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
    #[error("Username already exists")]
    UsernameTaken,
    /// 400 on registration: another account has this email (any letter case).
    #[error("Email already exists")]
    EmailTaken,
    /// 400 on a profile update: another account has this email. The FastAPI blog words
    /// this clash differently from registration's, and its frontends show the text.
    #[error("Email already registered")]
    EmailRegistered,
    /// 401: unknown email or wrong password (the same answer for both).
    #[error("Incorrect email or password")]
    IncorrectCredentials,
    /// 400: the current password given to change it (or the email) is wrong.
    #[error("Current password is incorrect")]
    CurrentPasswordIncorrect,
    /// 400: an email change without the current password.
    #[error("Current password is required to change email")]
    CurrentPasswordRequired,
    /// 400: the reset token is unknown, used or expired.
    #[error("Invalid or expired reset token")]
    InvalidResetToken,
    /// 404: no user with this id.
    #[error("User not found")]
    UserNotFound,
    /// 403: updating someone else's account.
    #[error("Not authorized to update this user")]
    NotAuthorizedToUpdate,
    /// 403: deleting someone else's account.
    #[error("Not authorized to delete this user")]
    NotAuthorizedToDelete,
    /// 429 with `Retry-After`: too many attempts; retry after the given seconds. The
    /// answer is folio-shared's, the same for every service (`too_many_requests`).
    #[error("{}", folio_shared::rate_limit::too_many_requests_detail(*.0))]
    RateLimited(u64),
    /// 503 when the database is unreachable, else 500 (the cause logged, never sent).
    #[error(transparent)]
    Database(#[from] DbError),
    /// 500: a bug or an unexpected failure (the cause chain logged, never sent).
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

impl From<Refused> for AuthError {
    fn from(refused: Refused) -> Self {
        AuthError::RateLimited(refused.retry_after_secs)
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

    /// The `{"detail"}` of [`Self::status`]; validation, 429 and 5xx answers come from
    /// folio-shared, which adds their headers and logs a 5xx's cause once.
    fn as_response(&self) -> Response {
        match self {
            AuthError::Validation(errors) => errors.as_response(),
            AuthError::RateLimited(retry_after) => too_many_requests(*retry_after),
            AuthError::Database(err) => database_error_response(err),
            AuthError::Internal(err) => unexpected_error_response(err),
            client_error => detail_response(self.status(), &client_error.to_string()),
        }
    }
}

folio_shared::operation_error!(AuthError);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_refusal_sends_its_status_and_the_blogs_detail() {
        use AuthError::*;
        for (error, status, detail) in [
            (UsernameTaken, 400, "Username already exists"),
            (EmailTaken, 400, "Email already exists"),
            (EmailRegistered, 400, "Email already registered"),
            (IncorrectCredentials, 401, "Incorrect email or password"),
            (
                CurrentPasswordIncorrect,
                400,
                "Current password is incorrect",
            ),
            (
                CurrentPasswordRequired,
                400,
                "Current password is required to change email",
            ),
            (InvalidResetToken, 400, "Invalid or expired reset token"),
            (UserNotFound, 404, "User not found"),
            (
                NotAuthorizedToUpdate,
                403,
                "Not authorized to update this user",
            ),
            (
                NotAuthorizedToDelete,
                403,
                "Not authorized to delete this user",
            ),
            (
                RateLimited(7),
                429,
                "Too many requests. Try again in 7 seconds.",
            ),
        ] {
            let response = error.as_response();
            assert_eq!(response.status().as_u16(), status, "{error}");
            let body = response.into_body().into_string().await.unwrap();
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body, serde_json::json!({ "detail": detail }));
        }
    }

    #[tokio::test]
    async fn a_5xx_never_shows_its_cause() {
        let error = AuthError::Internal(anyhow::anyhow!("the secret cause"));
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = error.as_response().into_body().into_string().await.unwrap();
        assert!(!body.contains("secret"), "{body}");
    }
}

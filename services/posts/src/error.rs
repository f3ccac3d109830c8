//! The one error type of the posts service. A variant's `#[error]` text is the `detail` it
//! sends and [`ResponseError::status`] states its status; only validation (FastAPI's list),
//! the rate limit (its `Retry-After`) and failures (logged, generic body) render otherwise.

use std::sync::Arc;

use folio_shared::{
    auth::INVALID_CREDENTIALS,
    db::DbError,
    http::{database_error_response, detail_response, unexpected_error_response},
    rate_limit::too_many_requests,
    validation::ValidationErrors,
};
use poem::{Response, error::ResponseError, http::StatusCode};

/// Everything a posts endpoint can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum PostsError {
    /// 422: the body or the query failed validation.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// 404: no post with this id.
    #[error("Post not found")]
    PostNotFound,
    /// 404: no user with this id.
    #[error("User not found")]
    UserNotFound,
    /// 403: editing someone else's post.
    #[error("Not authorized to update this post")]
    NotAuthorizedToUpdate,
    /// 403: deleting someone else's post.
    #[error("Not authorized to delete this post")]
    NotAuthorizedToDelete,
    /// 429: the author wrote `POST_RATE_LIMIT_PER_MINUTE` posts this minute; retry after
    /// this many seconds (the text is `folio_shared::rate_limit::too_many_requests`'s).
    #[error("{}", folio_shared::rate_limit::too_many_requests_detail(*.0))]
    RateLimited(u64),
    /// 401: the author vanished between the token check and the write.
    #[error("{}", INVALID_CREDENTIALS)]
    AuthorGone,
    /// 503 when the database is unreachable, else 500.
    #[error(transparent)]
    Database(DbError),
    /// 500: a bug or an unexpected failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
    /// One failure answered to every request that waited on the same read (see
    /// [`crate::cache`]): each answers as the first did.
    #[error(transparent)]
    Shared(Arc<PostsError>),
}

impl From<DbError> for PostsError {
    fn from(err: DbError) -> Self {
        // A post written for a user deleted a moment ago: the token no longer stands.
        if err.is_foreign_key_violation() {
            PostsError::AuthorGone
        } else {
            PostsError::Database(err)
        }
    }
}

impl ResponseError for PostsError {
    fn status(&self) -> StatusCode {
        use PostsError::*;
        match self {
            Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            PostNotFound | UserNotFound => StatusCode::NOT_FOUND,
            NotAuthorizedToUpdate | NotAuthorizedToDelete => StatusCode::FORBIDDEN,
            AuthorGone => StatusCode::UNAUTHORIZED,
            RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Database(err) if err.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Database(_) | Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Shared(err) => err.status(),
        }
    }

    fn as_response(&self) -> Response {
        use PostsError::*;
        match self {
            Validation(errors) => errors.as_response(),
            RateLimited(retry_after) => too_many_requests(*retry_after),
            // Logged here, once per answer, with the cause; the body stays generic.
            Database(err) => database_error_response(err),
            Internal(err) => unexpected_error_response(err),
            Shared(err) => err.as_response(),
            PostNotFound
            | UserNotFound
            | NotAuthorizedToUpdate
            | NotAuthorizedToDelete
            | AuthorGone => detail_response(self.status(), &self.to_string()),
        }
    }
}

folio_shared::operation_error!(PostsError);

#[cfg(test)]
mod tests {
    use super::*;

    async fn detail_of(err: &PostsError) -> serde_json::Value {
        let body = err.as_response().into_body().into_bytes().await.unwrap();
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["detail"].clone()
    }

    #[tokio::test]
    async fn each_refusal_sends_its_status_and_the_blogs_detail() {
        for (err, status, detail) in [
            (PostsError::PostNotFound, 404, "Post not found"),
            (PostsError::UserNotFound, 404, "User not found"),
            (
                PostsError::NotAuthorizedToUpdate,
                403,
                "Not authorized to update this post",
            ),
            (
                PostsError::NotAuthorizedToDelete,
                403,
                "Not authorized to delete this post",
            ),
            (
                PostsError::RateLimited(7),
                429,
                "Too many requests. Try again in 7 seconds.",
            ),
            (
                PostsError::AuthorGone,
                401,
                "Could not validate credentials",
            ),
        ] {
            assert_eq!(err.as_response().status().as_u16(), status, "{err:?}");
            assert_eq!(detail_of(&err).await, detail, "{err:?}");
        }
    }

    #[tokio::test]
    async fn a_shared_failure_answers_as_the_first() {
        let err = PostsError::Shared(Arc::new(PostsError::PostNotFound));
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(detail_of(&err).await, "Post not found");
    }
}

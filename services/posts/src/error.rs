//! The one error type of the posts service: each variant knows its status and `detail`.

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
    #[error("post not found")]
    PostNotFound,
    /// 404: no user with this id.
    #[error("user not found")]
    UserNotFound,
    /// 403: editing someone else's post.
    #[error("not authorized to update this post")]
    NotAuthorizedToUpdate,
    /// 403: deleting someone else's post.
    #[error("not authorized to delete this post")]
    NotAuthorizedToDelete,
    /// 429: the author wrote `POST_RATE_LIMIT_PER_MINUTE` posts this minute; retry after
    /// this many seconds.
    #[error("too many posts")]
    RateLimited(u64),
    /// 401: the author vanished between the token check and the write.
    #[error("author no longer exists")]
    AuthorGone,
    /// 503 when the database is unreachable, else 500.
    #[error(transparent)]
    Database(DbError),
    /// 500: a bug or an unexpected failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
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
        }
    }

    fn as_response(&self) -> Response {
        use PostsError::*;
        match self {
            Validation(errors) => errors.as_response(),
            PostNotFound => detail_response(StatusCode::NOT_FOUND, "Post not found"),
            UserNotFound => detail_response(StatusCode::NOT_FOUND, "User not found"),
            NotAuthorizedToUpdate => {
                detail_response(StatusCode::FORBIDDEN, "Not authorized to update this post")
            }
            NotAuthorizedToDelete => {
                detail_response(StatusCode::FORBIDDEN, "Not authorized to delete this post")
            }
            AuthorGone => detail_response(StatusCode::UNAUTHORIZED, INVALID_CREDENTIALS),
            RateLimited(retry_after) => too_many_requests(*retry_after),
            Database(err) => database_error_response(err),
            Internal(err) => unexpected_error_response(err),
        }
    }
}

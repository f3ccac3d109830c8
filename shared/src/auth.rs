//! The bearer security scheme every service uses: verify the JWT (see [`crate::jwt`]),
//! then confirm the user still exists with the same `token_version` (one indexed lookup),
//! so a deleted account or a changed password ends every token at once.

use std::sync::Arc;

use poem::{Request, error::ResponseError, http::StatusCode};
use poem_openapi::{SecurityScheme, auth::Bearer};
use tokio_postgres::types::Type;

use crate::{
    db::{Db, DbError, Queryable, Sql},
    http::{detail_response, unavailable_response},
    jwt::{Claims, PublicKeys},
};

/// The detail of every 401 for a token that is present but not acceptable.
pub const INVALID_CREDENTIALS: &str = "Could not validate credentials";

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's id.
    pub id: i64,
    /// The verified claims.
    pub claims: Claims,
}

/// `Authorization: Bearer <JWT>`; add an `Arc<TokenVerifier>` to the route's data.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "check_bearer")]
pub struct BearerAuth(pub AuthUser);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<AuthUser> {
    let verifier = req
        .data::<Arc<TokenVerifier>>()
        .expect("the service adds its TokenVerifier to the route data");
    Ok(verifier.authenticate(&bearer.token).await?)
}

/// Why a bearer token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthFailure {
    /// 401: bad, expired or stale token, or the user is gone.
    #[error("invalid credentials: {0}")]
    Invalid(String),
    /// 503: the database could not be asked.
    #[error("token check failed: {0}")]
    Unavailable(#[from] DbError),
}

impl ResponseError for AuthFailure {
    fn status(&self) -> StatusCode {
        match self {
            AuthFailure::Invalid(_) => StatusCode::UNAUTHORIZED,
            AuthFailure::Unavailable(err) if err.is_unavailable() => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AuthFailure::Unavailable(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> poem::Response {
        match self {
            AuthFailure::Invalid(_) => {
                detail_response(StatusCode::UNAUTHORIZED, INVALID_CREDENTIALS)
            }
            AuthFailure::Unavailable(err) => {
                tracing::error!(error = %err, "token check failed");
                if err.is_unavailable() {
                    unavailable_response("Service temporarily unavailable")
                } else {
                    crate::http::internal_error_response()
                }
            }
        }
    }
}

const TOKEN_VERSION_OF_USER: Sql = Sql::new(
    "select token_version from users where id = $1",
    &[Type::INT8],
);

/// Verifies tokens and checks them against the users table.
pub struct TokenVerifier {
    keys: PublicKeys,
    db: Db,
}

impl TokenVerifier {
    /// A verifier trusting `keys`, checking users in `db`.
    pub fn new(keys: PublicKeys, db: Db) -> Self {
        Self { keys, db }
    }

    /// The claims of a valid token whose user still exists with the same token version.
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, AuthFailure> {
        let claims = self
            .keys
            .verify(token)
            .map_err(|e| AuthFailure::Invalid(e.to_string()))?;
        let id = claims
            .user_id()
            .ok_or_else(|| AuthFailure::Invalid("sub is not a user id".into()))?;
        let conn = self.db.conn().await?;
        let row = conn.query_opt(&TOKEN_VERSION_OF_USER, &[&id]).await?;
        match row.map(|r| r.get::<_, i32>("token_version")) {
            Some(version) if version == claims.ver => Ok(AuthUser { id, claims }),
            Some(_) => Err(AuthFailure::Invalid("token version is stale".into())),
            None => Err(AuthFailure::Invalid("user no longer exists".into())),
        }
    }
}

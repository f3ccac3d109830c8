//! Login (the OAuth2 password form of the FastAPI blog) and the JWKS other services and
//! clients verify tokens with.

use std::{sync::Arc, time::Duration};

use folio_shared::{
    jwt::{AUDIENCE, Claims, ISSUER},
    rate_limit::{Attempt, Decision, FailureLimit, client_ip},
    validation::Validator,
};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    payload::{Form, Json},
};

use crate::{
    error::AuthError,
    passwords::Verdict,
    repo::{Credentials, credentials_by_email, upgrade_hash},
    startup::AppState,
};

/// Login and key endpoints.
pub struct TokensApi {
    state: Arc<AppState>,
}

impl TokensApi {
    /// The endpoints over shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

/// OAuth2 password form: `username` carries the email.
/// Not `Debug`: it carries a secret.
#[derive(Object, serde::Deserialize)]
pub struct LoginForm {
    /// The account's email.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A bearer access token.
#[derive(Debug, Object)]
pub struct Token {
    /// The JWT.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
}

#[derive(ApiResponse)]
enum LoginResponse {
    /// Logged in.
    #[oai(status = 200)]
    Ok(Json<Token>),
}

#[derive(ApiResponse)]
enum JwksResponse {
    /// The public keys tokens are signed with.
    #[oai(status = 200)]
    Ok(
        Json<serde_json::Value>,
        #[oai(header = "Cache-Control")] String,
    ),
}

/// The window of the per-minute limits.
pub const MINUTE: Duration = Duration::from_secs(60);
/// The window of the account-wide backstops and the mail cap.
pub const HOUR: Duration = Duration::from_secs(3600);

impl AppState {
    /// Signs an access token for `user_id` at `token_version`.
    pub fn issue_access_token(&self, user_id: i64, token_version: i32) -> String {
        let now = chrono::Utc::now();
        self.signing_key.sign(&Claims {
            sub: user_id.to_string(),
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            ver: token_version,
        })
    }

    /// Counts a hit on each `(scope, key)` per minute; the first limit reached answers 429.
    pub async fn enforce_limits(&self, hits: &[(&str, &str)], limit: u32) -> Result<(), AuthError> {
        for (scope, key) in hits {
            self.enforce_limit(scope, key, limit, MINUTE).await?;
        }
        Ok(())
    }

    /// Counts a hit on `scope`/`key`; 429 past `limit` per `window`.
    pub async fn enforce_limit(
        &self,
        scope: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<(), AuthError> {
        match self.limiter.hit(scope, key, limit, window).await {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after_secs } => Err(AuthError::RateLimited(retry_after_secs)),
        }
    }

    /// Admits an attempt that may fail under `limits`, or answers 429 when one is full.
    pub async fn begin_attempt(&self, limits: &[FailureLimit<'_>]) -> Result<Attempt, AuthError> {
        self.limiter
            .attempt(limits)
            .await
            .map_err(|refused| AuthError::RateLimited(refused.retry_after_secs))
    }
}

impl TokensApi {
    /// The account behind `email` if `password` is its password, with the verdict.
    async fn check_credentials(
        &self,
        email: &str,
        password: String,
    ) -> Result<(Credentials, Verdict), AuthError> {
        let conn = self.state.db.conn().await?;
        let account = credentials_by_email(&conn, email).await?;
        // Release the connection while hashing: the pool is smaller than a login flood.
        drop(conn);
        let stored = account.as_ref().map(|a| a.password_hash.clone());
        let verdict = self.state.passwords.verify(password, stored).await?;
        match (verdict, account) {
            (Verdict::Mismatch, _) | (_, None) => Err(AuthError::IncorrectCredentials),
            (verdict, Some(account)) => Ok((account, verdict)),
        }
    }
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Access tokens.
    Tokens,
}

#[OpenApi(tag = "Tags::Tokens")]
impl TokensApi {
    /// Log in with email (as `username`) and password; returns a bearer token.
    #[oai(path = "/api/users/token", method = "post")]
    async fn login(&self, req: &Request, form: Form<LoginForm>) -> poem::Result<LoginResponse> {
        let LoginForm {
            username: email,
            password,
        } = form.0;
        let email = email.trim().to_lowercase();
        // Any text goes (the FastAPI blog's form takes it), but Postgres cannot hold a NUL.
        Validator::new()
            .length("username", &email, 0, None)
            .finish()
            .map_err(AuthError::from)?;
        let ip = client_ip(req, self.state.trusted_proxy_hops);
        self.state
            .enforce_limits(&[("login-ip", &ip)], self.state.login_limit)
            .await?;
        // Only failures count against an account, and each client's apart: whoever guesses
        // cannot keep the owner, signing in from elsewhere, out. The account-wide backstop
        // is high; it only caps guessing spread over many addresses.
        let account_and_client = format!("{ip} {email}");
        let attempt = self
            .state
            .begin_attempt(&[
                FailureLimit {
                    scope: "login-account-client",
                    key: &account_and_client,
                    limit: self.state.login_limit,
                    window: MINUTE,
                },
                FailureLimit {
                    scope: "login-account",
                    key: &email,
                    limit: self.state.account_limit_per_hour,
                    window: HOUR,
                },
            ])
            .await?;
        let checked = self.check_credentials(&email, password).await;
        match &checked {
            Err(AuthError::IncorrectCredentials) => attempt.failed(),
            _ => attempt.passed().await,
        }
        let (account, verdict) = checked?;
        if let Verdict::MatchRehashed(new_hash) = verdict {
            // Upgrade the legacy hash. The password is right either way: a failed upgrade
            // (or one that lost a race with a password change) must not fail the login.
            let upgraded = match self.state.db.conn().await {
                Ok(conn) => {
                    upgrade_hash(&conn, account.id, &account.password_hash, &new_hash).await
                }
                Err(err) => Err(err),
            };
            match upgraded {
                Ok(()) => {
                    tracing::info!(
                        user_id = account.id,
                        "password hash upgraded to current parameters"
                    );
                    // Perhaps the last legacy hash: unknown emails may get cheap again.
                    crate::legacy_hashes::refresh(
                        self.state.db.clone(),
                        self.state.passwords.clone(),
                    );
                }
                Err(err) => {
                    tracing::warn!(user_id = account.id, error = %err, "password hash upgrade failed; will retry at next login")
                }
            }
        }
        Ok(LoginResponse::Ok(Json(Token {
            access_token: self
                .state
                .issue_access_token(account.id, account.token_version),
            token_type: "bearer".to_owned(),
        })))
    }

    /// The JSON Web Key Set of the keys access tokens are signed with.
    #[oai(path = "/.well-known/jwks.json", method = "get")]
    async fn jwks(&self) -> JwksResponse {
        JwksResponse::Ok(
            Json(self.state.public_keys.jwks()),
            "public, max-age=300".to_owned(),
        )
    }
}

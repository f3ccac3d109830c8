//! Login (the OAuth2 password form of the FastAPI blog) and the JWKS other services and
//! clients verify tokens with.

use folio_shared::{db::Db, jwt::PublicKeys, rate_limit::FailureLimit, validation::Validator};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    payload::{Form, Json},
};

use crate::{
    error::AuthError,
    limits::{HOUR, MINUTE, RateLimits},
    passwords::{Passwords, Verdict},
    repo::{Credentials, credentials_by_email, upgrade_hash},
    token_issuer::TokenIssuer,
};

/// How many logins are let through.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Login attempts per minute per client; failed logins per minute per account and client.
    pub per_minute: u32,
    /// Failed logins per hour on one account, from every client together (a backstop).
    pub failures_per_account_per_hour: u32,
}

/// Login and key endpoints, built field by field in `startup`.
pub struct TokensApi {
    /// Postgres.
    pub db: Db,
    /// Verifies passwords (and hashes legacy ones anew).
    pub passwords: Passwords,
    /// Keeps the login limits.
    pub limits: RateLimits,
    /// How many logins are let through.
    pub login_limits: LoginLimits,
    /// Signs the access tokens.
    pub issuer: TokenIssuer,
    /// Served as the JWKS.
    pub public_keys: PublicKeys,
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

impl TokensApi {
    /// The account behind `email` if `password` is its password, with the verdict.
    async fn check_credentials(
        &self,
        email: &str,
        password: String,
    ) -> Result<(Credentials, Verdict), AuthError> {
        let conn = self.db.conn().await?;
        let account = credentials_by_email(&conn, email).await?;
        // Release the connection while hashing: the pool is smaller than a login flood.
        drop(conn);
        let stored = account.as_ref().map(|a| a.password_hash.clone());
        let verdict = self.passwords.verify(password, stored).await?;
        match (verdict, account) {
            (Verdict::Mismatch, _) | (_, None) => Err(AuthError::IncorrectCredentials),
            (verdict, Some(account)) => Ok((account, verdict)),
        }
    }

    /// Replaces a verified legacy hash with `new_hash`. The password is right either way:
    /// a failed upgrade (or one that lost a race with a password change) is only logged,
    /// and retried at the next login.
    async fn upgrade_legacy_hash(&self, account: &Credentials, new_hash: &str) {
        let upgraded = match self.db.conn().await {
            Ok(conn) => upgrade_hash(&conn, account.id, &account.password_hash, new_hash).await,
            Err(err) => Err(err),
        };
        match upgraded {
            Ok(()) => {
                tracing::info!(
                    user_id = account.id,
                    "password hash upgraded to current parameters"
                );
                // Perhaps the last legacy hash: unknown emails may get cheap again.
                crate::legacy_hashes::refresh(self.db.clone(), self.passwords.clone());
            }
            Err(err) => {
                tracing::warn!(user_id = account.id, error = %err, "password hash upgrade failed; will retry at next login")
            }
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
    async fn login(
        &self,
        req: &Request,
        form: Form<LoginForm>,
    ) -> Result<LoginResponse, AuthError> {
        let LoginForm {
            username: email,
            password,
        } = form.0;
        let email = email.trim().to_lowercase();
        // Any text goes (the FastAPI blog's form takes it), but Postgres cannot hold a NUL.
        Validator::new()
            .length("username", &email, 0, None)
            .finish()?;
        let per_minute = self.login_limits.per_minute;
        let ip = self.limits.per_client(req, "login-ip", per_minute).await?;
        // Only failures count against an account, and each client's apart: whoever guesses
        // cannot keep the owner, signing in from elsewhere, out. The account-wide backstop
        // is high; it only caps guessing spread over many addresses.
        let account_and_client = format!("{ip} {email}");
        let attempt = self
            .limits
            .begin_attempt(&[
                FailureLimit {
                    scope: "login-account-client",
                    key: &account_and_client,
                    limit: per_minute,
                    window: MINUTE,
                },
                FailureLimit {
                    scope: "login-account",
                    key: &email,
                    limit: self.login_limits.failures_per_account_per_hour,
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
            self.upgrade_legacy_hash(&account, &new_hash).await;
        }
        Ok(LoginResponse::Ok(Json(Token {
            access_token: self.issuer.issue(account.id, account.token_version),
            token_type: "bearer".to_owned(),
        })))
    }

    /// The JSON Web Key Set of the keys access tokens are signed with.
    #[oai(path = "/.well-known/jwks.json", method = "get")]
    async fn jwks(&self) -> JwksResponse {
        JwksResponse::Ok(
            Json(self.public_keys.jwks()),
            "public, max-age=300".to_owned(),
        )
    }
}

//! Forgotten passwords: a single-use token mailed as a link, then a new password with it.
//!
//! Only the SHA-256 of a token is stored. The token row and the mail job are written in
//! one transaction; the job is queued after commit, or by the outbox sweep if Redis is
//! down, so forgot-password always answers 202 the same way, whatever the email. Before
//! answering, both paths wake the mail worker ([`crate::mail_wake`]) the same way.

use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use folio_shared::{
    db::{Queryable, Sql},
    queue::{MailJob, MailKind, insert_outbox},
    rate_limit::{Decision, client_ip},
    validation::{StrictString, Validator},
};
use poem::Request;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;
use tracing::Instrument;

use crate::{
    error::AuthError,
    password_change::{Message, check_new_password},
    repo::credentials_by_email,
    startup::AppState,
    tokens::HOUR,
    users::check_email,
};

/// Forgot/reset endpoints.
pub struct PasswordResetApi {
    state: Arc<AppState>,
}

impl PasswordResetApi {
    /// The endpoints over shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

/// Who forgot their password.
#[derive(Debug, Object)]
pub struct ForgotPassword {
    /// The account's email.
    pub email: StrictString,
}

/// A reset token and the new password.
/// Not `Debug`: it carries a secret.
#[derive(Object)]
pub struct ResetPassword {
    /// The token from the mailed link.
    pub token: StrictString,
    /// At least 8 characters.
    pub new_password: StrictString,
}

#[derive(ApiResponse)]
enum ForgotPasswordResponse {
    /// Accepted; a mail is sent if the account exists.
    #[oai(status = 202)]
    Accepted(Json<Message>),
}

#[derive(ApiResponse)]
enum ResetPasswordResponse {
    /// The password was reset; log in with it.
    #[oai(status = 200)]
    Ok(Json<Message>),
}

/// Said whether or not the email has an account, so the answer reveals nothing.
/// The FastAPI blog's words, which its frontends may show as they are.
pub const FORGOT_MESSAGE: &str =
    "If an account exists with this email, you will receive password reset instructions.";

/// The FastAPI blog's answer to a successful reset.
pub const RESET_MESSAGE: &str =
    "Password reset successfully. You can now log in with your new password.";

// Every forgot-password request runs it, for a known email or not: expired tokens of
// anyone go (nothing else ever reads them), and so do the asking user's live ones, so
// only the newest link works, as in the FastAPI blog. `$1` is null for an unknown email.
// The table holds at most the live links of the last hour, so the scan stays small.
const VOID_RESET_TOKENS: Sql = Sql::new(
    "delete from password_reset_tokens where user_id = $1 or expires_at <= now()",
    &[Type::INT8],
);

// Assigns the transaction an id (a no-op after the first), so its commit is written and
// flushed like one that inserted rows.
const TAKE_TRANSACTION_ID: Sql = Sql::new("select pg_current_xact_id()", &[]);

const INSERT_RESET_TOKEN: Sql = Sql::new(
    "insert into password_reset_tokens (user_id, token_hash, expires_at) values ($1, $2, $3)",
    &[Type::INT8, Type::BPCHAR, Type::TIMESTAMPTZ],
);

// Deleting is the atomic "use": of concurrent attempts, one deletes the row and the rest
// find nothing once its transaction commits. Expired tokens are consumed too.
const CONSUME_RESET_TOKEN: Sql = Sql::new(
    "delete from password_reset_tokens where token_hash = $1 \
     returning user_id, expires_at > now() as live",
    &[Type::BPCHAR],
);

// Any row, live or expired: expired ones are consumed (deleted) by the transaction below.
const TOKEN_EXISTS: Sql = Sql::new(
    "select 1 from password_reset_tokens where token_hash = $1",
    &[Type::BPCHAR],
);

/// A fresh token: 32 random bytes, base64url.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Passwords.
    Passwords,
}

#[OpenApi(tag = "Tags::Passwords")]
impl PasswordResetApi {
    /// Ask for a password reset link by email.
    #[oai(path = "/api/users/forgot-password", method = "post")]
    async fn forgot_password(
        &self,
        req: &Request,
        body: Json<ForgotPassword>,
    ) -> poem::Result<ForgotPasswordResponse> {
        let email = body.0.email.trim().to_lowercase();
        let mut v = Validator::new();
        check_email(&mut v, &email);
        v.finish().map_err(AuthError::from)?;
        let ip = client_ip(req, self.state.trusted_proxy_hops);
        self.state
            .enforce_limits(&[("forgot-ip", &ip)], self.state.reset_limit)
            .await?;
        // Per email only a high backstop refuses: a low one would let anyone keep the owner
        // from asking for a link.
        self.state
            .enforce_limit(
                "forgot-account",
                &email,
                self.state.account_limit_per_hour,
                HOUR,
            )
            .await?;
        // The mail cap stops mail floods. Past it a request gets the usual answer and changes
        // nothing: no mail, and the last link mailed stays valid (voiding it would let anyone
        // cancel the owner's reset). Counted for any address, so it tells nothing either.
        let mail_cap = self
            .state
            .limiter
            .hit("forgot-mail", &email, self.state.reset_mails_per_hour, HOUR)
            .await;
        if mail_cap != Decision::Allowed {
            tracing::info!("password reset mail cap reached; request ignored");
            return Ok(ForgotPasswordResponse::Accepted(Json(Message {
                message: FORGOT_MESSAGE.to_owned(),
            })));
        }
        let mut conn = self.state.db.conn().await.map_err(AuthError::from)?;
        if let Some(account) = credentials_by_email(&conn, &email)
            .await
            .map_err(AuthError::from)?
        {
            let token = new_token();
            let link = format!("{}/reset-password?token={token}", self.state.frontend_url);
            // Sealed before it is written anywhere: only the mail worker can open it.
            let job = MailJob::new(
                MailKind::PasswordReset,
                &account.email,
                &account.username,
                "",
            )
            .with_link(&link, &self.state.job_cipher)
            .map_err(|e| AuthError::Internal(e.into()))?;
            let expires_at = chrono::Utc::now() + self.state.reset_ttl;
            let tx = conn.transaction().await.map_err(AuthError::from)?;
            tx.execute(&VOID_RESET_TOKENS, &[&Some(account.id)])
                .await
                .map_err(AuthError::from)?;
            tx.execute(
                &INSERT_RESET_TOKEN,
                &[&account.id, &token_hash(&token), &expires_at],
            )
            .await
            .map_err(AuthError::from)?;
            insert_outbox(&tx, &job).await.map_err(AuthError::from)?;
            tx.commit().await.map_err(AuthError::from)?;
            drop(conn);
            // Queued in the background: the answer must not take longer for an existing
            // account (a slow or absent Redis would show); the outbox row is committed.
            let state = self.state.clone();
            tokio::spawn(async move { state.queue_mail(&job).await }.in_current_span());
            tracing::info!(user_id = account.id, "password reset requested");
        } else {
            // The same work as for an account, so the time of the answer tells nothing:
            // a transaction of as many statements, whose commit flushes the WAL too (a
            // transaction id is taken, as the inserts would take one).
            let tx = conn.transaction().await.map_err(AuthError::from)?;
            tx.execute(&VOID_RESET_TOKENS, &[&None::<i64>])
                .await
                .map_err(AuthError::from)?;
            for _stand_in_for_an_insert in 0..2 {
                tx.execute(&TAKE_TRANSACTION_ID, &[])
                    .await
                    .map_err(AuthError::from)?;
            }
            tx.commit().await.map_err(AuthError::from)?;
        }
        // On both paths alike, so its time tells nothing either; the worker may be
        // quiet or scaled to zero, and this request's mail must not wait for another.
        self.state.mail_waker.wake().await;
        Ok(ForgotPasswordResponse::Accepted(Json(Message {
            message: FORGOT_MESSAGE.to_owned(),
        })))
    }

    /// Set a new password with the token from the reset mail.
    #[oai(path = "/api/users/reset-password", method = "post")]
    async fn reset_password(
        &self,
        req: &Request,
        body: Json<ResetPassword>,
    ) -> poem::Result<ResetPasswordResponse> {
        let ResetPassword {
            token,
            new_password,
        } = body.0;
        let (token, new_password) = (token.into_inner(), new_password.into_inner());
        check_new_password(&new_password)?;
        let ip = client_ip(req, self.state.trusted_proxy_hops);
        self.state
            .enforce_limits(&[("reset-ip", &ip)], self.state.reset_limit)
            .await?;
        // A cheap look first: a made-up token must not cost an Argon2 hash.
        let conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let known = conn
            .query_opt(&TOKEN_EXISTS, &[&token_hash(&token)])
            .await
            .map_err(AuthError::from)?;
        drop(conn);
        if known.is_none() {
            return Err(AuthError::InvalidResetToken.into());
        }
        // Hash before taking the token: the transaction stays short and holds no lock
        // while Argon2 runs.
        let hash = self
            .state
            .passwords
            .hash(new_password)
            .await
            .map_err(AuthError::from)?;
        let mut conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let tx = conn.transaction().await.map_err(AuthError::from)?;
        let consumed = tx
            .query_opt(&CONSUME_RESET_TOKEN, &[&token_hash(&token)])
            .await
            .map_err(AuthError::from)?;
        let user_id = match consumed {
            Some(row) if row.get::<_, bool>("live") => row.get::<_, i64>("user_id"),
            Some(_) => {
                // Expired: commit the deletion so it cannot be tried again.
                tx.commit().await.map_err(AuthError::from)?;
                return Err(AuthError::InvalidResetToken.into());
            }
            None => return Err(AuthError::InvalidResetToken.into()),
        };
        let job = self.state.replace_password(&tx, user_id, &hash).await?;
        tx.commit().await.map_err(AuthError::from)?;
        drop(conn);
        if let Some(job) = job {
            self.state.send_mail(&job).await;
        }
        tracing::info!(user_id, "password reset");
        Ok(ResetPasswordResponse::Ok(Json(Message {
            message: RESET_MESSAGE.to_owned(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_base64url_characters_and_unique() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, b);
    }

    #[test]
    fn the_stored_hash_is_64_hex_characters() {
        // SHA-256("abc"), FIPS 180-2 example.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

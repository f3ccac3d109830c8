//! Forgotten passwords: a single-use token mailed as a link ([`crate::reset_tokens`]),
//! then a new password with it ([`PasswordReplacement`]).
//!
//! The token row and the mail job are written in one transaction; the job is queued
//! after commit, or by the outbox sweep if Redis is down, so forgot-password always
//! answers 202 the same way, whatever the email. Before answering, both paths wake the
//! mail worker ([`crate::mail_wake`]) the same way.

use anyhow::Context;
use folio_shared::{
    db::{Db, DbConn},
    queue::{JobCipher, MailJob, MailKind, insert_outbox},
    rate_limit::Decision,
    validation::{StrictString, Validator},
};
use poem::Request;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};
use tracing::Instrument;

use crate::{
    error::AuthError,
    limits::{HOUR, RateLimits},
    mail::Mail,
    password_replacement::{Holder, Message, PasswordReplacement},
    repo::{Credentials, credentials_by_email},
    reset_tokens::{self, new_token, token_hash},
    rules::{check_email, check_new_password},
};

/// How reset links are made and how often they may be asked for.
pub struct ResetPolicy {
    /// Base of the links in mails (`FRONTEND_URL`).
    pub frontend_url: String,
    /// Lifetime of reset tokens.
    pub token_ttl: chrono::Duration,
    /// Forgot/reset requests per minute, per client.
    pub per_client_per_minute: u32,
    /// Forgot-password requests per hour, per address (the account-wide backstop).
    pub per_account_per_hour: u32,
    /// Reset mails per hour, per address.
    pub mails_per_hour: u32,
}

/// Forgot/reset endpoints, built field by field in `startup`.
pub struct PasswordResetApi {
    /// Postgres.
    pub db: Db,
    /// Keeps the forgot/reset limits.
    pub limits: RateLimits,
    /// Publishes the reset mail, wakes the worker.
    pub mail: Mail,
    /// Seals reset links into their mail jobs (`MAIL_JOB_KEY`).
    pub cipher: JobCipher,
    /// Sets the new password of a reset.
    pub replacement: PasswordReplacement,
    /// How links are made and how often they may be asked for.
    pub policy: ResetPolicy,
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

fn forgot_answer() -> ForgotPasswordResponse {
    ForgotPasswordResponse::Accepted(Json(Message {
        message: FORGOT_MESSAGE.to_owned(),
    }))
}

impl PasswordResetApi {
    /// Stores a new token for `account` and queues its link in one transaction; the job
    /// is published in the background (the outbox row is committed).
    async fn mail_reset_link(
        &self,
        mut conn: DbConn,
        account: Credentials,
    ) -> Result<(), AuthError> {
        let token = new_token();
        let link = format!("{}/reset-password?token={token}", self.policy.frontend_url);
        // Sealed before it is written anywhere: only the mail worker can open it.
        let job = MailJob::new(
            MailKind::PasswordReset,
            &account.email,
            &account.username,
            "",
        )
        .with_link(&link, &self.cipher)
        .context("sealing a reset link")?;
        let expires_at = chrono::Utc::now() + self.policy.token_ttl;
        let tx = conn.transaction().await?;
        reset_tokens::replace(&tx, account.id, &token, expires_at).await?;
        insert_outbox(&tx, &job).await?;
        tx.commit().await?;
        drop(conn);
        // Queued in the background: the answer must not take longer for an existing
        // account (a slow or absent Redis would show); the outbox row is committed.
        let mail = self.mail.clone();
        tokio::spawn(async move { mail.queue(&job).await }.in_current_span());
        tracing::info!(user_id = account.id, "password reset requested");
        Ok(())
    }

    /// For an email without an account: the same database work as [`Self::mail_reset_link`],
    /// so the time of the answer tells nothing.
    async fn stand_in_for_a_link(&self, mut conn: DbConn) -> Result<(), AuthError> {
        let tx = conn.transaction().await?;
        reset_tokens::stand_in_for_replace(&tx).await?;
        tx.commit().await?;
        Ok(())
    }
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
    ) -> Result<ForgotPasswordResponse, AuthError> {
        let email = body.0.email.trim().to_lowercase();
        let mut v = Validator::new();
        check_email(&mut v, &email);
        v.finish()?;
        let policy = &self.policy;
        self.limits
            .per_client(req, "forgot-ip", policy.per_client_per_minute)
            .await?;
        // Per email only a high backstop refuses: a low one would let anyone keep the owner
        // from asking for a link.
        self.limits
            .enforce("forgot-account", &email, policy.per_account_per_hour, HOUR)
            .await?;
        // The mail cap stops mail floods. Past it a request gets the usual answer and changes
        // nothing: no mail, and the last link mailed stays valid (voiding it would let anyone
        // cancel the owner's reset). Counted for any address, so it tells nothing either.
        let mail_cap = self
            .limits
            .hit("forgot-mail", &email, policy.mails_per_hour, HOUR)
            .await;
        if mail_cap != Decision::Allowed {
            tracing::info!("password reset mail cap reached; request ignored");
            return Ok(forgot_answer());
        }
        let conn = self.db.conn().await?;
        match credentials_by_email(&conn, &email).await? {
            Some(account) => self.mail_reset_link(conn, account).await?,
            None => self.stand_in_for_a_link(conn).await?,
        }
        // On both paths alike, so its time tells nothing either; the worker may be
        // quiet or scaled to zero, and this request's mail must not wait for another.
        self.mail.wake().await;
        Ok(forgot_answer())
    }

    /// Set a new password with the token from the reset mail.
    #[oai(path = "/api/users/reset-password", method = "post")]
    async fn reset_password(
        &self,
        req: &Request,
        body: Json<ResetPassword>,
    ) -> Result<ResetPasswordResponse, AuthError> {
        let ResetPassword {
            token,
            new_password,
        } = body.0;
        let (token, new_password) = (token.into_inner(), new_password.into_inner());
        check_new_password(&new_password)?;
        self.limits
            .per_client(req, "reset-ip", self.policy.per_client_per_minute)
            .await?;
        // A cheap look first: a made-up token must not cost an Argon2 hash.
        let hash = token_hash(&token);
        if !reset_tokens::exists(&self.db.conn().await?, &hash).await? {
            return Err(AuthError::InvalidResetToken);
        }
        let user_id = self
            .replacement
            .replace(Holder::ResetToken(&hash), new_password)
            .await?;
        tracing::info!(user_id, "password reset");
        Ok(ResetPasswordResponse::Ok(Json(Message {
            message: RESET_MESSAGE.to_owned(),
        })))
    }
}

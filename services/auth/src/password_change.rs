//! Changing the password while logged in. Every issued token ends (version bump) and a
//! "your password was changed" mail is queued in the same transaction. The check of the
//! current password, throttled per user, also guards an email change (`users`).

use std::sync::Arc;

use folio_shared::{
    auth::BearerAuth,
    queue::{MailJob, MailKind, insert_outbox},
    rate_limit::FailureLimit,
    validation::{StrictString, Validator},
};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use crate::{
    error::AuthError,
    passwords::Verdict,
    repo::{credentials_by_id, set_password},
    startup::AppState,
    tokens::MINUTE,
};

/// Password change endpoint.
pub struct PasswordChangeApi {
    state: Arc<AppState>,
}

impl PasswordChangeApi {
    /// The endpoint over shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

/// The current and the new password.
/// Not `Debug`: it carries a secret.
#[derive(Object)]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: StrictString,
    /// At least 8 characters.
    pub new_password: StrictString,
}

/// A confirmation for people.
#[derive(Debug, Object)]
pub struct Message {
    /// What happened.
    pub message: String,
}

/// A new password (change or reset) needs at least 8 characters.
pub fn check_new_password(new_password: &str) -> Result<(), AuthError> {
    Ok(Validator::new()
        .length("new_password", new_password, 8, None)
        .finish()?)
}

#[derive(ApiResponse)]
enum ChangePasswordResponse {
    /// Changed; log in again with the new password.
    #[oai(status = 200)]
    Ok(Json<Message>),
}

impl AppState {
    /// Sets `user_id`'s password to `hash` and queues the "password changed" mail, in one
    /// transaction; the mail is published after commit (or later by the outbox sweep).
    pub async fn replace_password(
        &self,
        tx: &folio_shared::db::DbTx<'_>,
        user_id: i64,
        hash: &str,
    ) -> Result<Option<MailJob>, AuthError> {
        let Some((username, email)) = set_password(tx, user_id, hash).await? else {
            return Ok(None);
        };
        let job = MailJob::new(MailKind::PasswordChanged, &email, &username, "");
        insert_outbox(tx, &job).await?;
        Ok(Some(job))
    }

    /// Queues a committed outbox job and wakes the mail worker, which may be quiet or
    /// scaled to zero: without the wake the mail would wait for the next one.
    pub async fn send_mail(&self, job: &MailJob) {
        self.queue_mail(job).await;
        self.mail_waker.wake().await;
    }

    /// Puts a committed outbox job on the stream; if Redis is down the sweep does it later.
    pub async fn queue_mail(&self, job: &MailJob) {
        if let Err(err) = self.mail.publish(&self.db, job).await {
            tracing::warn!(error = %err, job_id = %job.id, "mail job left in the outbox for the sweep");
        }
    }

    /// Ok if `password` is `user_id`'s current password. A stolen token must not buy
    /// unlimited guesses of it: wrong ones count against the `password-change` limit, and
    /// once it is full even the right password waits for the window to end (answering it
    /// would keep every guess worth an Argon2 hash).
    pub async fn verify_current_password(
        &self,
        user_id: i64,
        password: String,
    ) -> Result<(), AuthError> {
        let key = user_id.to_string();
        let attempt = self
            .begin_attempt(&[FailureLimit {
                scope: "password-change",
                key: &key,
                limit: self.password_change_limit,
                window: MINUTE,
            }])
            .await?;
        let checked = self.check_current_password(user_id, password).await;
        match &checked {
            Err(AuthError::CurrentPasswordIncorrect) => attempt.failed(),
            _ => attempt.passed().await,
        }
        checked
    }

    async fn check_current_password(
        &self,
        user_id: i64,
        password: String,
    ) -> Result<(), AuthError> {
        let conn = self.db.conn().await?;
        let account = credentials_by_id(&conn, user_id)
            .await?
            .ok_or(AuthError::UserNotFound)?;
        // Give the connection back while Argon2 runs twice: the pool is smaller than a flood.
        drop(conn);
        let verdict = self
            .passwords
            .verify(password, Some(account.password_hash))
            .await?;
        if verdict == Verdict::Mismatch {
            return Err(AuthError::CurrentPasswordIncorrect);
        }
        Ok(())
    }
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Passwords.
    Passwords,
}

#[OpenApi(tag = "Tags::Passwords")]
impl PasswordChangeApi {
    /// Change your password; every existing token stops working.
    #[oai(path = "/api/users/me/password", method = "patch")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: Json<ChangePassword>,
    ) -> poem::Result<ChangePasswordResponse> {
        let ChangePassword {
            current_password,
            new_password,
        } = body.0;
        let (current_password, new_password) =
            (current_password.into_inner(), new_password.into_inner());
        check_new_password(&new_password)?;
        let account_id = auth.0.id;
        self.state
            .verify_current_password(account_id, current_password)
            .await?;
        let hash = self
            .state
            .passwords
            .hash(new_password)
            .await
            .map_err(AuthError::from)?;
        let mut conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let tx = conn.transaction().await.map_err(AuthError::from)?;
        let job = self.state.replace_password(&tx, account_id, &hash).await?;
        tx.commit().await.map_err(AuthError::from)?;
        drop(conn);
        if let Some(job) = job {
            self.state.send_mail(&job).await;
        }
        tracing::info!(user_id = account_id, "password changed");
        Ok(ChangePasswordResponse::Ok(Json(Message {
            message: "Password changed successfully".to_owned(),
        })))
    }
}

//! The check of the current password that guards a password change and an email change,
//! throttled per user: a stolen token must not buy unlimited guesses of the password.

use folio_shared::{db::Db, rate_limit::FailureLimit};

use crate::{
    error::AuthError,
    limits::{MINUTE, RateLimits},
    passwords::{Passwords, Verdict},
    repo::credentials_by_id,
};

/// Checks a signed-in user's current password under the `password-change` limit.
#[derive(Clone)]
pub struct CurrentPassword {
    db: Db,
    passwords: Passwords,
    limits: RateLimits,
    /// Wrong current passwords per minute, per user.
    wrong_per_minute: u32,
}

impl CurrentPassword {
    /// Checks against the hashes in `db`, at most `wrong_per_minute` wrong ones per user.
    pub fn new(db: Db, passwords: Passwords, limits: RateLimits, wrong_per_minute: u32) -> Self {
        Self {
            db,
            passwords,
            limits,
            wrong_per_minute,
        }
    }

    /// Ok if `password` is `user_id`'s current password. Wrong ones count against the
    /// `password-change` limit, and once it is full even the right password waits for the
    /// window to end (answering it would keep every guess worth an Argon2 hash).
    pub async fn verify(&self, user_id: i64, password: String) -> Result<(), AuthError> {
        let key = user_id.to_string();
        let attempt = self
            .limits
            .begin_attempt(&[FailureLimit {
                scope: "password-change",
                key: &key,
                limit: self.wrong_per_minute,
                window: MINUTE,
            }])
            .await?;
        let checked = self.check(user_id, password).await;
        match &checked {
            Err(AuthError::CurrentPasswordIncorrect) => attempt.failed(),
            _ => attempt.passed().await,
        }
        checked
    }

    async fn check(&self, user_id: i64, password: String) -> Result<(), AuthError> {
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

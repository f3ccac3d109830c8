//! Replacing an account's password, for a password change and a reset alike: the new
//! hash, then in one transaction the password, the end of every issued token (version
//! bump) and of every pending reset link, and the "password changed" mail, which is sent
//! after commit (or later by the outbox sweep).

use folio_shared::{
    db::Db,
    queue::{MailJob, MailKind, insert_outbox},
};
use poem_openapi::Object;

use crate::{
    error::AuthError,
    mail::Mail,
    passwords::Passwords,
    repo::set_password,
    reset_tokens::{self, Consumed},
};

/// A confirmation for people, the answer of both password endpoints.
#[derive(Debug, Object)]
pub struct Message {
    /// What happened.
    pub message: String,
}

/// Whose password is replaced.
pub enum Holder<'a> {
    /// A signed-in account whose current password was checked.
    Account(i64),
    /// The owner of the reset token with this hash, consumed in the same transaction.
    ResetToken(&'a str),
}

/// Replaces passwords and tells their owners.
#[derive(Clone)]
pub struct PasswordReplacement {
    db: Db,
    passwords: Passwords,
    mail: Mail,
}

impl PasswordReplacement {
    /// Writes to `db`, hashes with `passwords`, tells the owner by `mail`.
    pub fn new(db: Db, passwords: Passwords, mail: Mail) -> Self {
        Self {
            db,
            passwords,
            mail,
        }
    }

    /// Sets the password of `holder` to `new_password` and returns the account's id.
    /// A reset token that is unknown or expired (then consumed) is a 400.
    pub async fn replace(
        &self,
        holder: Holder<'_>,
        new_password: String,
    ) -> Result<i64, AuthError> {
        // Hash before the transaction: it stays short and holds no lock while Argon2 runs.
        let hash = self.passwords.hash(new_password).await?;
        let mut conn = self.db.conn().await?;
        let tx = conn.transaction().await?;
        let user_id = match holder {
            Holder::Account(id) => id,
            Holder::ResetToken(token_hash) => match reset_tokens::consume(&tx, token_hash).await? {
                Consumed::Live(user_id) => user_id,
                Consumed::Expired => {
                    tx.commit().await?;
                    return Err(AuthError::InvalidResetToken);
                }
                Consumed::Unknown => return Err(AuthError::InvalidResetToken),
            },
        };
        let mut job = None;
        if let Some((username, email)) = set_password(&tx, user_id, &hash).await? {
            let notice = MailJob::new(MailKind::PasswordChanged, &email, &username, "");
            insert_outbox(&tx, &notice).await?;
            job = Some(notice);
        }
        tx.commit().await?;
        drop(conn);
        if let Some(job) = job {
            self.mail.send(&job).await;
        }
        Ok(user_id)
    }
}

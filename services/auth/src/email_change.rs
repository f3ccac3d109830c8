//! An email change (`PATCH /api/users/{id}` with a new email): the current password is
//! required, the old address is told, and the reset links mailed to it stop working.

use folio_shared::{
    db::{Queryable, Sql},
    queue::{MailJob, MailKind, insert_outbox},
};
use tokio_postgres::types::Type;

use crate::{error::AuthError, repo::void_reset_tokens, users::UsersApi};

const UPDATE_USER: Sql = Sql::new(
    "update users set username = coalesce($2, username), email = coalesce($3, email), \
     updated_at = now() where id = $1 returning id, username, email, image_file",
    &[Type::INT8, Type::VARCHAR, Type::VARCHAR],
);

// Locks the row for the rest of the transaction and reads the address the notice goes to.
const EMAIL_FOR_UPDATE: Sql = Sql::new(
    "select email from users where id = $1 for update",
    &[Type::INT8],
);

impl UsersApi {
    /// An email change, after the caller's checks (422, 404, 403): duplicates (400), then
    /// the current password (400, throttled), then the update, the voiding of pending reset
    /// links (they were mailed to the old address) and a notice to the old address, in one
    /// transaction. A stolen token alone can no longer move the account to another address.
    pub(crate) async fn change_email(
        &self,
        id: i64,
        username: &Option<String>,
        email: &str,
        current_password: Option<String>,
    ) -> Result<tokio_postgres::Row, AuthError> {
        let mut conn = self.db.conn().await?;
        // Only the unique constraints know duplicates for sure, and they answer before the
        // password: a trial update, rolled back, asks them without holding the connection
        // while Argon2 runs.
        let trial = conn.transaction().await?;
        update_profile(&trial, id, username, Some(email)).await?;
        drop(trial); // rolls back
        drop(conn);
        let password = current_password
            .filter(|p| !p.is_empty())
            .ok_or(AuthError::CurrentPasswordRequired)?;
        self.current_password.verify(id, password).await?;
        let mut conn = self.db.conn().await?;
        let tx = conn.transaction().await?;
        let old_email: String = tx
            .query_opt(&EMAIL_FOR_UPDATE, &[&id])
            .await?
            .ok_or(AuthError::UserNotFound)?
            .get("email");
        let row = update_profile(&tx, id, username, Some(email))
            .await?
            .ok_or(AuthError::UserNotFound)?;
        void_reset_tokens(&tx, id).await?;
        let job = MailJob::new(MailKind::EmailChanged, &old_email, row.get("username"), "");
        insert_outbox(&tx, &job).await?;
        tx.commit().await?;
        drop(conn);
        self.mail.send(&job).await;
        tracing::info!(user_id = id, "email changed");
        Ok(row)
    }
}

/// Sets the username and/or email of `id` (`None` keeps them) and returns the row, if
/// the account exists; a clash with another account is its 400.
pub(crate) async fn update_profile(
    db: &impl Queryable,
    id: i64,
    username: &Option<String>,
    email: Option<&str>,
) -> Result<Option<tokio_postgres::Row>, AuthError> {
    db.query_opt(&UPDATE_USER, &[&id, username, &email])
        .await
        .map_err(AuthError::from_profile_update)
}

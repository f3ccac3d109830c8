//! The SQL of the users table shared by several auth endpoints.

use folio_shared::db::{DbError, Queryable, Sql};
use tokio_postgres::types::Type;

/// What login and password changes need to know about an account.
pub struct Credentials {
    /// Id.
    pub id: i64,
    /// Display name (for mails).
    pub username: String,
    /// Lowercased email (for mails).
    pub email: String,
    /// PHC string.
    pub password_hash: String,
    /// Current token version.
    pub token_version: i32,
}

const CREDENTIALS_BY_EMAIL: Sql = Sql::new(
    "select id, username, email, password_hash, token_version from users where lower(email) = lower($1)",
    &[Type::TEXT],
);

const CREDENTIALS_BY_ID: Sql = Sql::new(
    "select id, username, email, password_hash, token_version from users where id = $1",
    &[Type::INT8],
);

fn credentials(row: &tokio_postgres::Row) -> Credentials {
    Credentials {
        id: row.get("id"),
        username: row.get("username"),
        email: row.get("email"),
        password_hash: row.get("password_hash"),
        token_version: row.get("token_version"),
    }
}

/// The account registered with `email` (any letter case).
pub async fn credentials_by_email(
    db: &impl Queryable,
    email: &str,
) -> Result<Option<Credentials>, DbError> {
    Ok(db
        .query_opt(&CREDENTIALS_BY_EMAIL, &[&email])
        .await?
        .as_ref()
        .map(credentials))
}

/// The account with `id`.
pub async fn credentials_by_id(
    db: &impl Queryable,
    id: i64,
) -> Result<Option<Credentials>, DbError> {
    Ok(db
        .query_opt(&CREDENTIALS_BY_ID, &[&id])
        .await?
        .as_ref()
        .map(credentials))
}

const SET_PASSWORD: Sql = Sql::new(
    "update users set password_hash = $2, token_version = token_version + 1, updated_at = now() \
     where id = $1 returning username, email",
    &[Type::INT8, Type::TEXT],
);

const DELETE_RESET_TOKENS_OF_USER: Sql = Sql::new(
    "delete from password_reset_tokens where user_id = $1",
    &[Type::INT8],
);

/// Replaces the password, ends every issued token (version bump) and every pending reset
/// token. Call inside the transaction that also queues the "password changed" mail.
/// Returns the account's `(username, email)` for that mail, or `None` if it is gone.
pub async fn set_password(
    tx: &impl Queryable,
    id: i64,
    hash: &str,
) -> Result<Option<(String, String)>, DbError> {
    let Some(row) = tx.query_opt(&SET_PASSWORD, &[&id, &hash]).await? else {
        return Ok(None);
    };
    void_reset_tokens(tx, id).await?;
    Ok(Some((row.get("username"), row.get("email"))))
}

/// Deletes every pending reset token of the user: their links stop working.
pub async fn void_reset_tokens(tx: &impl Queryable, id: i64) -> Result<(), DbError> {
    tx.execute(&DELETE_RESET_TOKENS_OF_USER, &[&id]).await?;
    Ok(())
}

const UPGRADE_HASH: Sql = Sql::new(
    "update users set password_hash = $3 where id = $1 and password_hash = $2",
    &[Type::INT8, Type::TEXT, Type::TEXT],
);

/// Replaces a verified legacy hash with `new_hash`, unless the password changed meanwhile.
pub async fn upgrade_hash(
    db: &impl Queryable,
    id: i64,
    old_hash: &str,
    new_hash: &str,
) -> Result<(), DbError> {
    db.execute(&UPGRADE_HASH, &[&id, &old_hash, &new_hash])
        .await?;
    Ok(())
}

//! Password reset tokens: 32 random bytes, base64url, mailed as a link; only their
//! SHA-256 is stored (`password_reset_tokens`), so the database never holds a usable link.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use folio_shared::db::{DbError, Queryable, Sql};
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;

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

// Any row, live or expired: expired ones are consumed (deleted) by a reset.
const TOKEN_EXISTS: Sql = Sql::new(
    "select 1 from password_reset_tokens where token_hash = $1",
    &[Type::BPCHAR],
);

/// A fresh token: 32 random bytes, base64url.
pub fn new_token() -> String {
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

/// What consuming a token found.
pub enum Consumed {
    /// A live token of this user, now deleted.
    Live(i64),
    /// An expired token, now deleted (commit, so it cannot be tried again).
    Expired,
    /// No such token.
    Unknown,
}

/// Whether a token with `hash` is stored, live or expired: a cheap look before any hash.
pub async fn exists(db: &impl Queryable, hash: &str) -> Result<bool, DbError> {
    Ok(db.query_opt(&TOKEN_EXISTS, &[&hash]).await?.is_some())
}

/// Deletes the token with `hash` and says whose it was, if it was live.
pub async fn consume(tx: &impl Queryable, hash: &str) -> Result<Consumed, DbError> {
    Ok(match tx.query_opt(&CONSUME_RESET_TOKEN, &[&hash]).await? {
        Some(row) if row.get::<_, bool>("live") => Consumed::Live(row.get("user_id")),
        Some(_) => Consumed::Expired,
        None => Consumed::Unknown,
    })
}

/// Stores `token` for `user_id` until `expires_at`, after voiding the user's earlier
/// tokens and everyone's expired ones.
pub async fn replace(
    tx: &impl Queryable,
    user_id: i64,
    token: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbError> {
    tx.execute(&VOID_RESET_TOKENS, &[&Some(user_id)]).await?;
    tx.execute(
        &INSERT_RESET_TOKEN,
        &[&user_id, &token_hash(token), &expires_at],
    )
    .await?;
    Ok(())
}

/// The same work as [`replace`] and the outbox insert for an email without an account,
/// so the time of the answer tells nothing: as many statements, expired tokens purged,
/// and a transaction id taken, so the commit flushes the WAL as the inserts would.
pub async fn stand_in_for_replace(tx: &impl Queryable) -> Result<(), DbError> {
    tx.execute(&VOID_RESET_TOKENS, &[&None::<i64>]).await?;
    for _stand_in_for_an_insert in 0..2 {
        tx.execute(&TAKE_TRANSACTION_ID, &[]).await?;
    }
    Ok(())
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

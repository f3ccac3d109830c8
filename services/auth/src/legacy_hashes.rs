//! Tells [`Passwords`] whether accounts with FastAPI blog hashes remain, so that an
//! unknown email costs what a wrong password on such an account costs. Asked once at
//! start-up (retrying while the database is down) and again whenever a legacy hash was
//! upgraded, the only way they disappear on their own. Never on a timer: nothing may
//! query the database while nobody uses the site.

use std::time::Duration;

use folio_shared::db::{Db, DbError, Queryable, Sql};
use tracing::Instrument;

use crate::passwords::Passwords;

// Hashes Folio writes start with its parameters; anything else Argon2 is legacy.
const LEGACY_HASHES_REMAIN: Sql = Sql::new(
    "select exists (select 1 from users where password_hash like '$argon2%' \
     and password_hash not like '$argon2id$v=19$m=19456,t=2,p=1$%') as remain",
    &[],
);

/// Whether any account still has a hash with other than the current parameters.
pub async fn remain(db: &Db) -> Result<bool, DbError> {
    let conn = db.conn().await?;
    let row = conn.query_opt(&LEGACY_HASHES_REMAIN, &[]).await?;
    Ok(row.is_some_and(|row| row.get::<_, bool>("remain")))
}

/// Asks in the background and tells `passwords`, retrying a few times while the
/// database is unreachable (until then the current-cost dummy is used).
pub fn refresh(db: Db, passwords: Passwords) {
    let ask = async move {
        for attempt in 0..10u32 {
            match remain(&db).await {
                Ok(remain) => {
                    passwords.set_legacy_hashes_remain(remain);
                    return;
                }
                Err(err) => {
                    tracing::debug!(error = %err, attempt, "could not count legacy hashes yet");
                    tokio::time::sleep(Duration::from_secs(1 << attempt.min(5))).await;
                }
            }
        }
    };
    tokio::spawn(ask.in_current_span());
}

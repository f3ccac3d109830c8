//! Applies the SQL files of `migrations/` (embedded at build time) with refinery.
//!
//! A session-level advisory lock serialises runners, so running twice, or from two
//! places at once (a Cloud Run Job and a developer), applies each migration exactly once.

use secrecy::SecretString;

use crate::db::connect_one;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// Arbitrary but fixed: every migrate process must take the same lock.
const MIGRATION_LOCK_KEY: i64 = 0x666f_6c69_6f00; // "folio\0"

/// Applies every pending migration to the database at `url` and returns the names of
/// those it applied (empty when the schema was already current).
pub async fn run(url: &SecretString) -> anyhow::Result<Vec<String>> {
    let mut client = connect_one(url).await?;
    client
        .execute("select pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    let report = embedded::migrations::runner().run_async(&mut client).await;
    // Release even when a migration failed; closing the connection would too.
    client
        .execute("select pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    let report = report?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| format!("V{}__{}", m.version(), m.name()))
        .collect())
}

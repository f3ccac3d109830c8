//! Applies the SQL files of `migrations/` (embedded at build time) with refinery.
//!
//! A session-level advisory lock serialises runners, so running twice, or from two
//! places at once (a Cloud Run Job and a developer), applies each migration exactly once.
//! A database created by the FastAPI blog is adopted first, under the same lock (see
//! [`adopt`]).

use secrecy::SecretString;

use crate::db::connect_one;

mod adopt;

pub use adopt::Adoption;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// Arbitrary but fixed: every migrate process must take the same lock.
const MIGRATION_LOCK_KEY: i64 = 0x666f_6c69_6f00; // "folio\0"

/// What a migrate run did.
#[derive(Debug)]
pub struct Outcome {
    /// Present when the database was the FastAPI blog's and has been converted.
    pub adopted: Option<Adoption>,
    /// `V{n}__{name}` of every migration applied by this run, adopted ones included.
    pub applied: Vec<String>,
}

/// Applies every pending migration to the database at `url` and returns the names of
/// those it applied (empty when the schema was already current).
pub async fn run(url: &SecretString) -> anyhow::Result<Vec<String>> {
    Ok(apply(url).await?.applied)
}

/// Adopts a FastAPI blog database if that is what `url` holds, then applies every pending
/// migration.
pub async fn apply(url: &SecretString) -> anyhow::Result<Outcome> {
    let mut client = connect_one(url).await?;
    // The services' per-database limits (V7) are not for migrations: an index build on a
    // large table may run for minutes. This is a direct session, so the `set` stays here.
    client
        .batch_execute("set statement_timeout = 0; set idle_in_transaction_session_timeout = 0")
        .await?;
    client
        .execute("select pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    let outcome = apply_locked(&mut client).await;
    // Release even when a migration failed; closing the connection would too.
    client
        .execute("select pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    outcome
}

async fn apply_locked(client: &mut tokio_postgres::Client) -> anyhow::Result<Outcome> {
    let runner = embedded::migrations::runner();
    let adopted = adopt::adopt_fastapi_blog(client, runner.get_migrations()).await?;
    let report = runner.run_async(client).await?;
    let mut applied = adopted
        .as_ref()
        .map(|a| a.migrations.clone())
        .unwrap_or_default();
    applied.extend(
        report
            .applied_migrations()
            .iter()
            .map(|m| format!("V{}__{}", m.version(), m.name())),
    );
    Ok(Outcome { adopted, applied })
}

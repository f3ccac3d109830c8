//! `folio-migrate`: Folio's schema. The SQL files of `migrations/` (embedded at build time)
//! applied with refinery, and the `migrate` binary that runs them for `make migrate`,
//! compose and the Cloud Run migrate Job.
//!
//! A session-level advisory lock serialises runners, so running twice, or from two
//! places at once (a Cloud Run Job and a developer), applies each migration exactly once.
//! A database created by the FastAPI blog is adopted first, under the same lock (see
//! [`Adoption`]).
//!
//! # Layout
//! - this file: [`run`] and [`apply`], the lock, and the username report.
//! - `adopt`: the conversion of a FastAPI blog database, and `adopt/checks.rs` its checks.
//! - [`connect`]: the one direct connection a run uses, and which URL it is.
//! - `bin/migrate.rs`: the binary (waits for a database still starting, prints the outcome).

use secrecy::SecretString;

mod adopt;
pub mod connect;

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
    /// Stored usernames that today's rules would refuse (adopted rows keep working).
    pub usernames: UsernameReport,
}

/// Usernames auth would no longer accept, counted so `migrate` can say so: they keep
/// working (a failed migration would lock their owners out), and renaming is theirs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UsernameReport {
    /// Holding a control, format (zero-width, bidi) or line-break character, or not NFC.
    pub breaking_rules: i64,
    /// Sharing their lower-cased NFC form with another user's (left out of V8's index).
    pub colliding: i64,
}

// The characters of auth's `username` rule: Unicode's Cc, the Cf that occur in text, and
// the line and paragraph separators. Only counted on a UTF-8 database (normalize()).
const USERNAME_REPORT: &str = r"
    select (select count(*) from users
             where username <> normalize(username, nfc)
                or username ~ '[\x01-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]'
           ) as breaking_rules,
           (select coalesce(sum(n), 0)::int8
              from (select count(*) as n from users
                     group by lower(normalize(username, nfc)) having count(*) > 1) as twins
           ) as colliding";

/// Applies every pending migration to the database at `url` and returns the names of
/// those it applied (empty when the schema was already current).
pub async fn run(url: &SecretString) -> anyhow::Result<Vec<String>> {
    Ok(apply(url).await?.applied)
}

/// Adopts a FastAPI blog database if that is what `url` holds, then applies every pending
/// migration.
pub async fn apply(url: &SecretString) -> anyhow::Result<Outcome> {
    let mut client = connect::connect(url).await?;
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
    let usernames = if client
        .query_one("select current_setting('server_encoding') = 'UTF8'", &[])
        .await?
        .get::<_, bool>(0)
    {
        let row = client.query_one(USERNAME_REPORT, &[]).await?;
        UsernameReport {
            breaking_rules: row.get(0),
            colliding: row.get(1),
        }
    } else {
        UsernameReport::default()
    };
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
    Ok(Outcome {
        adopted,
        applied,
        usernames,
    })
}

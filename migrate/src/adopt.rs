//! Adopting a database created by the FastAPI blog (SQLAlchemy models, Alembic history):
//! its `users`, `posts` and `password_reset_tokens` become Folio's tables with every row,
//! id and password hash kept, so the blog's users sign in to Folio with their passwords.
//!
//! How: in one transaction, under the migration lock, the old tables move to a schema of
//! their own, Folio's migrations up to [`ADOPTED_THROUGH`] create the new tables, the rows
//! are copied (emails lowercased, timestamps made UTC-aware), the identity sequences are
//! moved past the copied ids, refinery's history records those migrations as applied (so
//! later ones run as usual), and the old tables are dropped, with the columns Folio has
//! no place for (the course's `posts.likes`) once they are known to hold only their
//! default. Anything unexpected refuses with one line before a thing is changed, or rolls
//! the whole transaction back.

use anyhow::{Context, anyhow, bail};
use refinery::Migration;
use tokio_postgres::{Client, Transaction};

mod checks;

use checks::Shape;

/// Folio's schema as of this version is what the copy below is written against; later
/// migrations are applied by refinery after adoption, as on any Folio database.
const ADOPTED_THROUGH: i32 = 5;

/// How long to wait for the old application's transactions before giving up, rather
/// than hanging a deploy behind a blog that is still running.
const LOCK_TIMEOUT: &str = "5s";

/// Where the old tables wait while their rows are copied; dropped in the same transaction.
const LEGACY_SCHEMA: &str = "fastapi_blog_legacy";

/// refinery's history table and its definition (refinery-core's, `int4` versions), so
/// refinery reads what adoption writes exactly as if it had applied the migrations.
const HISTORY_TABLE: &str = "refinery_schema_history";
const CREATE_HISTORY: &str = "create table refinery_schema_history (
    version int4 primary key, name varchar(255), applied_on varchar(255), checksum varchar(255))";

/// Alembic's bookkeeping table: its presence is what marks a FastAPI blog database.
const ALEMBIC_TABLE: &str = "alembic_version";

/// Folio's own tables: one of them without any migration history is a database Folio
/// does not know, and guessing could destroy data.
const FOLIO_TABLES: [&str; 6] = [
    "users",
    "posts",
    "password_reset_tokens",
    "mail_outbox",
    "post_totals",
    "post_counts",
];

/// What an adoption carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    /// Users copied.
    pub users: u64,
    /// Posts copied.
    pub posts: u64,
    /// Password reset tokens copied (still valid until they expire).
    pub reset_tokens: u64,
    /// Users whose stored hash is not Argon2 (the only kind Folio verifies): they need a
    /// password reset to sign in.
    pub unverifiable_hashes: u64,
    /// `V{n}__{name}` of the migrations recorded as applied by the adoption.
    pub migrations: Vec<String>,
}

/// Adopts the database if it is the FastAPI blog's; `Ok(None)` for a Folio or empty one.
pub(super) async fn adopt_fastapi_blog(
    client: &mut Client,
    migrations: &[Migration],
) -> anyhow::Result<Option<Adoption>> {
    let tables = checks::tables(client).await?;
    let has = |name: &str| tables.iter().any(|t| t == name);
    if has(HISTORY_TABLE) {
        return Ok(None);
    }
    if !has(ALEMBIC_TABLE) {
        if let Some(clash) = FOLIO_TABLES.iter().find(|&&t| has(t)) {
            bail!(
                "the database has a `{clash}` table but neither Folio's migration history \
                 ({HISTORY_TABLE}) nor the FastAPI blog's ({ALEMBIC_TABLE}); refusing to \
                 guess what it is (nothing was changed)"
            );
        }
        return Ok(None);
    }
    let schema = folio_schema(migrations)?;
    let tx = client.transaction().await?;
    let adoption = adopt(&tx, &tables, &schema)
        .await
        .context("cannot adopt the FastAPI blog database (nothing was changed)")?;
    tx.commit().await?;
    Ok(Some(adoption))
}

/// Folio's migrations V1..=[`ADOPTED_THROUGH`], in order.
fn folio_schema(migrations: &[Migration]) -> anyhow::Result<Vec<&Migration>> {
    let mut schema: Vec<&Migration> = migrations
        .iter()
        .filter(|m| m.version() <= ADOPTED_THROUGH)
        .collect();
    schema.sort_by_key(|m| m.version());
    let versions: Vec<i32> = schema.iter().map(|m| m.version()).collect();
    if versions != (1..=ADOPTED_THROUGH).collect::<Vec<_>>() {
        bail!("the embedded migrations do not start with V1..V{ADOPTED_THROUGH}: {versions:?}");
    }
    Ok(schema)
}

async fn adopt(
    tx: &Transaction<'_>,
    tables: &[String],
    schema: &[&Migration],
) -> anyhow::Result<Adoption> {
    let shape = checks::shape(tx, tables).await?;
    // The old application must not write while rows are copied; stopping it first is the
    // documented way. Its writes now wait for the commit, and if it still holds the
    // tables, adoption gives up after LOCK_TIMEOUT rather than hang a deploy.
    let present: Vec<&str> = shape.tables().collect();
    tx.batch_execute(&format!(
        "set local lock_timeout = '{LOCK_TIMEOUT}'; lock table {} in access exclusive mode",
        present.join(", ")
    ))
    .await
    .map_err(without_row_data)
    .context("locking the old tables (is the FastAPI blog still running?)")?;
    checks::case_insensitive_uniqueness(tx).await?;
    checks::unused_columns_hold_only_defaults(tx, &shape).await?;

    tx.batch_execute(&format!("create schema {LEGACY_SCHEMA}"))
        .await?;
    for table in &present {
        // Indexes, constraints and owned sequences move with the table, so Folio's
        // migrations find every name free.
        tx.batch_execute(&format!("alter table {table} set schema {LEGACY_SCHEMA}"))
            .await?;
    }
    let migrations = create_folio_schema(tx, schema).await?;
    let adoption = copy_rows(tx, &shape, migrations).await?;
    tx.batch_execute(&format!(
        "drop table {}; drop schema {LEGACY_SCHEMA}",
        present
            .iter()
            .map(|t| format!("{LEGACY_SCHEMA}.{t}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .await
    .map_err(without_row_data)
    .context("dropping the old tables (does something else depend on them?)")?;
    Ok(adoption)
}

/// Runs Folio's migrations and records them in refinery's history as refinery would.
async fn create_folio_schema(
    tx: &Transaction<'_>,
    schema: &[&Migration],
) -> anyhow::Result<Vec<String>> {
    tx.batch_execute(CREATE_HISTORY).await?;
    let mut names = Vec::with_capacity(schema.len());
    for migration in schema {
        let name = format!("V{}__{}", migration.version(), migration.name());
        tx.batch_execute(migration.sql().unwrap_or_default())
            .await
            .with_context(|| format!("applying {name}"))?;
        // refinery parses applied_on as RFC 3339 and compares checksums as u64 text.
        let applied_on = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        tx.execute(
            "insert into refinery_schema_history (version, name, applied_on, checksum) \
             values ($1, $2, $3, $4)",
            &[
                &migration.version(),
                &migration.name(),
                &applied_on,
                &migration.checksum().to_string(),
            ],
        )
        .await?;
        names.push(name);
    }
    Ok(names)
}

/// Copies every row into Folio's tables, keeping ids, then moves each identity sequence
/// past the largest copied id so new rows never collide with old ones.
async fn copy_rows(
    tx: &Transaction<'_>,
    shape: &Shape,
    migrations: Vec<String>,
) -> anyhow::Result<Adoption> {
    let old = LEGACY_SCHEMA;
    // The FastAPI blog never stored a file for the Flask-era placeholder `default.jpg`:
    // Folio's "no picture" is null, which shows DEFAULT_AVATAR_URL.
    let image_file = if shape.users_have_image_file {
        "nullif(image_file, 'default.jpg')"
    } else {
        "null"
    };
    let users = tx
        .execute(
            &format!(
                "insert into users (id, username, email, password_hash, image_file) \
                 overriding system value \
                 select id, username, lower(email), password_hash, {image_file} from {old}.users"
            ),
            &[],
        )
        .await
        .map_err(without_row_data)
        .context("copying users")?;
    let posts = tx
        .execute(
            &format!(
                "insert into posts (id, title, content, user_id, date_posted) \
                 overriding system value \
                 select id, title, content, user_id, {} from {old}.posts",
                shape.timestamp("posts", "date_posted")
            ),
            &[],
        )
        .await
        .map_err(without_row_data)
        .context("copying posts")?;
    let reset_tokens = match &shape.tokens_created_at {
        None => 0,
        Some(has_created_at) => {
            let created_at = if *has_created_at {
                format!(
                    "coalesce({}, now())",
                    shape.timestamp("password_reset_tokens", "created_at")
                )
            } else {
                "now()".to_owned()
            };
            tx.execute(
                &format!(
                    "insert into password_reset_tokens \
                     (id, user_id, token_hash, expires_at, created_at) overriding system value \
                     select id, user_id, token_hash, {}, {created_at} \
                     from {old}.password_reset_tokens",
                    shape.timestamp("password_reset_tokens", "expires_at")
                ),
                &[],
            )
            .await
            .map_err(without_row_data)
            .context("copying password reset tokens")?
        }
    };
    for table in ["users", "posts", "password_reset_tokens"] {
        tx.execute(
            &format!(
                "select setval(pg_get_serial_sequence('{table}', 'id'), \
                 coalesce(max(id), 0) + 1, false) from {table}"
            ),
            &[],
        )
        .await?;
    }
    let unverifiable: i64 = tx
        .query_one(
            "select count(*) from users where password_hash not like '$argon2%'",
            &[],
        )
        .await?
        .get(0);
    Ok(Adoption {
        users,
        posts,
        reset_tokens,
        unverifiable_hashes: u64::try_from(unverifiable).unwrap_or(0),
        migrations,
    })
}

/// The server's message alone: its DETAIL line may quote a whole row (emails, hashes),
/// which has no place in a job's log, and would break the one-line error.
fn without_row_data(err: tokio_postgres::Error) -> anyhow::Error {
    match err.as_db_error() {
        Some(db) => anyhow!("{}", db.message()),
        None => err.into(),
    }
}

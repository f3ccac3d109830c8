//! The Postgres pool and the single place where statements reach the server.
//!
//! Queries are declared as [`Sql`] constants (text plus parameter types) next to the code
//! that runs them and executed through [`Queryable`]. How they travel is decided here
//! only, by [`StatementMode`]:
//! - `Prepared`: named statements prepared once per connection and cached (fastest; Neon's
//!   pooler and PgBouncer >= 1.21 support them in transaction mode);
//! - `Unnamed`: the unnamed statement with the types given up front, one round trip, no
//!   server-side state between transactions (works behind any PgBouncer).
//!
//! Every statement and every wait for a connection is a (`DEBUG`) span: see `trace.rs`.

use std::{
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use deadpool_postgres::{
    GenericClient, Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime,
};
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::{
    Row,
    config::SslMode,
    types::{ToSql, Type},
};
use tracing::Instrument;

use crate::config::DatabaseSettings;

mod error;
mod trace;

pub use error::DbError;

/// A statement and its parameter types, declared once as a `const`.
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    text: &'static str,
    types: &'static [Type],
    name: Option<&'static str>,
}

impl Sql {
    /// Declares a statement; `types` lists the type of each `$n` parameter in order.
    pub const fn new(text: &'static str, types: &'static [Type]) -> Self {
        Self {
            text,
            types,
            name: None,
        }
    }

    /// Names the statement in its span, for statements the derived label ("select
    /// posts") does not tell apart.
    pub const fn named(self, name: &'static str) -> Self {
        Self {
            name: Some(name),
            ..self
        }
    }

    /// The statement text.
    pub fn text(&self) -> &'static str {
        self.text
    }
}

/// How statements are sent; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementMode {
    /// Named, prepared once per connection and cached.
    Prepared,
    /// Unnamed, typed, one round trip; safe behind any transaction-mode pooler.
    Unnamed,
}

/// Longest a single statement may take; Folio's statements take milliseconds.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The pool plus the statement mode every query of this process uses.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    mode: StatementMode,
    /// Statements run through this pool: an operational count, and how tests prove two
    /// paths do the same database work (so their timing tells nothing apart).
    statements: Arc<AtomicU64>,
}

impl Db {
    /// Builds a lazy pool from `DATABASE_URL`: nothing connects until the first query, so
    /// a service starts (and answers `/livez`) while the database is still coming up.
    pub fn from_settings(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let mode = if settings.prepared_statements {
            StatementMode::Prepared
        } else {
            StatementMode::Unnamed
        };
        Self::connect_lazy(&settings.url, settings.pool_size, mode)
    }

    /// Builds a lazy pool for `url` with `size` connections.
    pub fn connect_lazy(
        url: &SecretString,
        size: usize,
        mode: StatementMode,
    ) -> anyhow::Result<Self> {
        let pg_config = pg_config(url)?;
        let manager_config = ManagerConfig {
            // A closed connection is detected by its task; a broken one fails one query
            // and is then dropped, so checking on every checkout is not worth a round trip.
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match pg_config.get_ssl_mode() {
            SslMode::Require => {
                Manager::from_config(pg_config, make_tls_connector(), manager_config)
            }
            _ => Manager::from_config(pg_config, tokio_postgres::NoTls, manager_config),
        };
        let pool = Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            // Fail fast when the database is gone: getting a connection takes at most
            // 2 s waiting for a free one plus 2 s to open one; queries are cut at
            // QUERY_TIMEOUT, so a dead server cannot hold a request hostage.
            .wait_timeout(Some(Duration::from_secs(2)))
            .create_timeout(Some(Duration::from_secs(2)))
            .recycle_timeout(Some(Duration::from_secs(2)))
            .build()?;
        Ok(Self {
            pool,
            mode,
            statements: Arc::default(),
        })
    }

    /// How many statements have run through this pool.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Takes a connection from the pool.
    pub async fn conn(&self) -> Result<DbConn, DbError> {
        Ok(DbConn {
            client: self.pool.get().instrument(trace::checkout()).await?,
            mode: self.mode,
            statements: self.statements.clone(),
        })
    }
}

/// Parses a Postgres URL and adds the timeouts Folio relies on.
pub fn pg_config(url: &SecretString) -> anyhow::Result<tokio_postgres::Config> {
    let mut config = tokio_postgres::Config::from_str(url.expose_secret())
        // The parse error can quote the URL, password included: say only what failed.
        .map_err(|_| anyhow::anyhow!("the database URL is not a valid Postgres URL"))?;
    config
        .connect_timeout(Duration::from_secs(2))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30));
    if config.get_application_name().is_none() {
        config.application_name("folio");
    }
    Ok(config)
}

/// Opens one unpooled connection (migrations, test set-up), with TLS when the URL asks.
pub async fn connect_one(url: &SecretString) -> anyhow::Result<tokio_postgres::Client> {
    let config = pg_config(url)?;
    let client = if config.get_ssl_mode() == SslMode::Require {
        let (client, connection) = config.connect(make_tls_connector()).await?;
        tokio::spawn(connection);
        client
    } else {
        let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
    };
    Ok(client)
}

/// rustls with the webpki roots: Neon's certificates chain to a public CA.
pub fn make_tls_connector() -> tokio_postgres_rustls::MakeRustlsConnect {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(Arc::new(roots))
        .with_no_client_auth();
    tokio_postgres_rustls::MakeRustlsConnect::new(config)
}

/// A pooled connection that runs [`Sql`] statements in the pool's mode.
pub struct DbConn {
    client: Object,
    mode: StatementMode,
    statements: Arc<AtomicU64>,
}

impl DbConn {
    /// Starts a transaction; it rolls back when dropped without [`DbTx::commit`].
    pub async fn transaction(&mut self) -> Result<DbTx<'_>, DbError> {
        Ok(DbTx {
            tx: self
                .client
                .transaction()
                .instrument(trace::transaction("begin", self.mode))
                .await?,
            mode: self.mode,
            statements: self.statements.clone(),
        })
    }
}

/// A transaction on a pooled connection.
pub struct DbTx<'a> {
    tx: deadpool_postgres::Transaction<'a>,
    mode: StatementMode,
    statements: Arc<AtomicU64>,
}

impl DbTx<'_> {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), DbError> {
        let span = trace::transaction("commit", self.mode);
        Ok(self.tx.commit().instrument(span).await?)
    }
}

/// Parameters of a statement, as tokio-postgres takes them.
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs [`Sql`] statements; implemented by [`DbConn`] and [`DbTx`] so the same code works
/// inside and outside a transaction.
pub trait Queryable: Sync {
    /// Every row the statement returns.
    fn query(
        &self,
        sql: &Sql,
        params: Params<'_>,
    ) -> impl Future<Output = Result<Vec<Row>, DbError>> + Send;

    /// The number of rows the statement changed.
    fn execute(
        &self,
        sql: &Sql,
        params: Params<'_>,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// At most one row.
    fn query_opt(
        &self,
        sql: &Sql,
        params: Params<'_>,
    ) -> impl Future<Output = Result<Option<Row>, DbError>> + Send {
        async move { Ok(self.query(sql, params).await?.into_iter().next()) }
    }
}

/// Both connections and transactions expose the same two primitives; this runs a
/// statement on either in the chosen mode.
async fn run_query<C>(
    client: &C,
    mode: StatementMode,
    sql: &Sql,
    params: Params<'_>,
) -> Result<Vec<Row>, DbError>
where
    C: GenericClient + UnnamedStatements,
{
    Ok(match mode {
        StatementMode::Prepared => {
            let statement = client.prepare_typed_cached(sql.text, sql.types).await?;
            client.query(&statement, params).await?
        }
        StatementMode::Unnamed => client.query_unnamed(sql, params).await?,
    })
}

async fn run_execute<C>(
    client: &C,
    mode: StatementMode,
    sql: &Sql,
    params: Params<'_>,
) -> Result<u64, DbError>
where
    C: GenericClient + UnnamedStatements,
{
    Ok(match mode {
        StatementMode::Prepared => {
            let statement = client.prepare_typed_cached(sql.text, sql.types).await?;
            client.execute(&statement, params).await?
        }
        StatementMode::Unnamed => client.execute_unnamed(sql, params).await?,
    })
}

/// tokio-postgres offers the typed unnamed statement on clients and transactions alike,
/// but not through deadpool's `GenericClient`; this trait bridges the two.
trait UnnamedStatements {
    fn query_unnamed(
        &self,
        sql: &Sql,
        params: Params<'_>,
    ) -> impl Future<Output = Result<Vec<Row>, tokio_postgres::Error>> + Send;
    fn execute_unnamed(
        &self,
        sql: &Sql,
        params: Params<'_>,
    ) -> impl Future<Output = Result<u64, tokio_postgres::Error>> + Send;
}

fn typed<'a>(sql: &Sql, params: Params<'a>) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    debug_assert_eq!(
        params.len(),
        sql.types.len(),
        "parameters of `{}`",
        sql.text
    );
    params
        .iter()
        .copied()
        .zip(sql.types.iter().cloned())
        .collect()
}

/// Clients and transactions both have `query_typed`/`execute_typed`, but no common trait.
macro_rules! unnamed_statements {
    ($($client:ty),+) => {$(
        impl UnnamedStatements for $client {
            async fn query_unnamed(
                &self,
                sql: &Sql,
                params: Params<'_>,
            ) -> Result<Vec<Row>, tokio_postgres::Error> {
                self.query_typed(sql.text, &typed(sql, params)).await
            }
            async fn execute_unnamed(
                &self,
                sql: &Sql,
                params: Params<'_>,
            ) -> Result<u64, tokio_postgres::Error> {
                self.execute_typed(sql.text, &typed(sql, params)).await
            }
        }
    )+};
}

unnamed_statements!(
    deadpool_postgres::Client,
    deadpool_postgres::Transaction<'_>
);

/// Counts a statement, cuts it off at [`QUERY_TIMEOUT`] and runs it in its span.
async fn run<T>(
    statements: &AtomicU64,
    mode: StatementMode,
    sql: &Sql,
    work: impl Future<Output = Result<T, DbError>>,
) -> Result<T, DbError> {
    statements.fetch_add(1, Ordering::Relaxed);
    tokio::time::timeout(QUERY_TIMEOUT, work)
        .instrument(trace::statement(sql, mode))
        .await
        .unwrap_or(Err(DbError::Timeout))
}

impl Queryable for DbConn {
    async fn query(&self, sql: &Sql, params: Params<'_>) -> Result<Vec<Row>, DbError> {
        let work = run_query(&self.client, self.mode, sql, params);
        run(&self.statements, self.mode, sql, work).await
    }
    async fn execute(&self, sql: &Sql, params: Params<'_>) -> Result<u64, DbError> {
        let work = run_execute(&self.client, self.mode, sql, params);
        run(&self.statements, self.mode, sql, work).await
    }
}

impl Queryable for DbTx<'_> {
    async fn query(&self, sql: &Sql, params: Params<'_>) -> Result<Vec<Row>, DbError> {
        let work = run_query(&self.tx, self.mode, sql, params);
        run(&self.statements, self.mode, sql, work).await
    }
    async fn execute(&self, sql: &Sql, params: Params<'_>) -> Result<u64, DbError> {
        let work = run_execute(&self.tx, self.mode, sql, params);
        run(&self.statements, self.mode, sql, work).await
    }
}

#[cfg(test)]
mod tests;

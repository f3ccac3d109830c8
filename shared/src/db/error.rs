//! How a database failure is classified: an outage (503), a bug (500), or a constraint
//! that a service maps to its 400.

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

/// A database failure, classified so services can answer 503 for an outage and 500 for a
/// bug, and map constraint violations to their 400s.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had from the pool in time.
    #[error("database pool: {0}")]
    Pool(#[from] PoolError),
    /// The server (or the connection to it) failed the statement.
    #[error("database query: {0}")]
    Query(#[from] tokio_postgres::Error),
    /// No answer within [`QUERY_TIMEOUT`](super::QUERY_TIMEOUT) (a half-open connection, a stuck server).
    #[error("database query timed out")]
    Timeout,
}

impl DbError {
    /// True when the database is unreachable or shutting down rather than the query being
    /// wrong: callers answer 503 and the pool recovers by itself.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Pool(_) | DbError::Timeout => true,
            DbError::Query(err) if err.is_closed() => true,
            DbError::Query(err) => match err.code() {
                // No SQLSTATE: a broken connection (an I/O error underneath) is an outage;
                // a parameter or column type mismatch is a bug and must not look like one.
                None => std::error::Error::source(err).is_some_and(|s| s.is::<std::io::Error>()),
                Some(code) => {
                    (code.code().starts_with("08") && code != &SqlState::PROTOCOL_VIOLATION)
                        || [
                            SqlState::ADMIN_SHUTDOWN,
                            SqlState::CRASH_SHUTDOWN,
                            SqlState::CANNOT_CONNECT_NOW,
                            SqlState::TOO_MANY_CONNECTIONS,
                            // The server's own statement limits (V7): overload, not a bug.
                            SqlState::QUERY_CANCELED,
                            SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
                        ]
                        .contains(code)
                }
            },
        }
    }

    /// True when a foreign key was violated (a row referred to something just deleted).
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, DbError::Query(err) if err.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION))
    }

    /// The name of the unique constraint this error violated, if that is what it is.
    pub fn unique_violation(&self) -> Option<&str> {
        let DbError::Query(err) = self else {
            return None;
        };
        let db = err.as_db_error()?;
        (db.code() == &SqlState::UNIQUE_VIOLATION)
            .then(|| db.constraint())
            .flatten()
    }
}

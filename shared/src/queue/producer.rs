//! The producing side of the mail queue (auth), and the outbox rows behind it.

use redis::aio::ConnectionManager;
use tokio_postgres::types::Type;
use tracing::Instrument;

use super::{MailJob, stream_key, xadd};
use crate::{
    db::{Db, DbError, Queryable, Sql},
    redis::bounded,
};

const INSERT_OUTBOX: Sql = Sql::new(
    "insert into mail_outbox (id, payload) values ($1, $2)",
    &[Type::UUID, Type::JSONB],
);

const MARK_QUEUED: Sql = Sql::new(
    "update mail_outbox set queued_at = now() where id = $1 and queued_at is null",
    &[Type::UUID],
);

/// Records `job` in the outbox; call inside the transaction of the change causing it.
pub async fn insert_outbox(tx: &impl Queryable, job: &MailJob) -> Result<(), DbError> {
    let payload = serde_json::to_value(job).expect("a mail job serialises");
    tx.execute(&INSERT_OUTBOX, &[&job.id, &payload]).await?;
    Ok(())
}

/// Why a job could not be published; the outbox row stays for the sweep.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// `XADD` failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Marking the row failed (the job is on the stream; the sweep may queue it twice,
    /// which the worker's send-once marker absorbs).
    #[error("database: {0}")]
    Db(#[from] DbError),
}

/// Producer side of the mail stream.
#[derive(Clone)]
pub struct MailQueue {
    redis: ConnectionManager,
    stream: String,
}

impl MailQueue {
    /// The queue `{prefix}:mail`.
    pub fn new(redis: ConnectionManager, prefix: &str) -> Self {
        Self {
            redis,
            stream: stream_key(prefix),
        }
    }

    /// `XADD`s `job` and returns the entry id, in a `DEBUG` span (dropped by the default
    /// filter, like the database's: `RUST_LOG=info,folio=debug` shows it).
    pub async fn enqueue(&self, job: &MailJob) -> redis::RedisResult<String> {
        let span = tracing::debug_span!(
            "redis.publish",
            otel.name = "XADD mail",
            otel.kind = "producer",
            db.system.name = "redis",
            messaging.destination.name = %self.stream,
        );
        let mut conn = self.redis.clone();
        bounded(xadd(&self.stream, &job.to_fields()).query_async(&mut conn))
            .instrument(span)
            .await
    }

    /// When the stream's oldest entry was added (ms since the epoch, Redis' clock), or
    /// `None` when the stream is empty or missing. An entry stays until it is acknowledged
    /// (which deletes it, just before its job is settled) or trimmed after 7 days: a job
    /// queued before this instant and never settled is not on the stream any more, so
    /// Redis lost it.
    pub async fn oldest_entry_ms(&self) -> redis::RedisResult<Option<i64>> {
        let mut conn = self.redis.clone();
        let oldest: redis::streams::StreamRangeReply = bounded(
            redis::cmd("XRANGE")
                .arg(&self.stream)
                .arg("-")
                .arg("+")
                .arg("COUNT")
                .arg(1)
                .query_async(&mut conn),
        )
        .await?;
        Ok(oldest
            .ids
            .first()
            .and_then(|entry| entry.id.split_once('-'))
            .and_then(|(ms, _)| ms.parse().ok()))
    }

    /// Puts an outbox job on the stream and marks its row queued.
    pub async fn publish(&self, db: &Db, job: &MailJob) -> Result<(), PublishError> {
        self.enqueue(job).await?;
        db.conn().await?.execute(&MARK_QUEUED, &[&job.id]).await?;
        Ok(())
    }
}

//! The outbox sweep: `mail_outbox` rows auth could not put on the stream (Redis was down)
//! are queued here once they are 30 s old, so forgot-password never loses a mail. Rows
//! are claimed with `SKIP LOCKED`, so several workers sweep without queueing a row twice
//! (and a duplicate would still be sent once: the job id is the send-once key). Queued
//! rows are deleted after a day: they hold reset links.

use std::time::Duration;

use folio_shared::{
    db::{Db, Queryable, Sql},
    queue::{MailJob, MailQueue},
    server::ShutdownSignal,
};
use tokio_postgres::types::Type;

/// How often the outbox is swept.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

const CLAIM_STRANDED: Sql = Sql::new(
    "update mail_outbox set queued_at = now() where id in ( \
       select id from mail_outbox \
       where queued_at is null and created_at < now() - interval '30 seconds' \
       order by created_at limit 100 for update skip locked) \
     returning id, payload",
    &[],
);

const RELEASE: Sql = Sql::new(
    "update mail_outbox set queued_at = null where id = $1",
    &[Type::UUID],
);

const PURGE_QUEUED: Sql = Sql::new(
    "delete from mail_outbox where queued_at < now() - interval '1 day'",
    &[],
);

/// Queues stranded outbox rows.
pub struct OutboxSweep {
    db: Db,
    queue: MailQueue,
}

impl OutboxSweep {
    /// A sweep of `db`'s outbox onto `queue`.
    pub fn new(db: Db, queue: MailQueue) -> Self {
        Self { db, queue }
    }

    /// Sweeps now and every [`SWEEP_EVERY`] until shutdown.
    pub async fn run(self, mut shutdown: ShutdownSignal) {
        loop {
            match self.sweep_once().await {
                Ok(0) => {}
                Ok(queued) => tracing::info!(queued, "queued stranded outbox mail"),
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "outbox sweep failed; will retry")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(SWEEP_EVERY) => {}
                () = shutdown.wait() => return,
            }
        }
    }

    /// One pass; returns how many rows were queued.
    pub async fn sweep_once(&self) -> anyhow::Result<usize> {
        let conn = self.db.conn().await?;
        let rows = conn.query(&CLAIM_STRANDED, &[]).await?;
        let mut queued = 0;
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            let id: uuid::Uuid = row.get("id");
            let job: MailJob = match serde_json::from_value(row.get("payload")) {
                Ok(job) => job,
                Err(err) => {
                    // Marked queued so it is not retried forever; kept for a day to inspect.
                    tracing::error!(outbox_id = %id, error = %err, "unreadable outbox row skipped");
                    continue;
                }
            };
            if let Err(err) = self.queue.enqueue(&job).await {
                // Redis is down: hand this row and every other claimed one back.
                conn.execute(&RELEASE, &[&id]).await?;
                for rest in rows {
                    conn.execute(&RELEASE, &[&rest.get::<_, uuid::Uuid>("id")])
                        .await?;
                }
                return Err(anyhow::Error::from(err).context("queueing an outbox row"));
            }
            queued += 1;
        }
        conn.execute(&PURGE_QUEUED, &[]).await?;
        Ok(queued)
    }
}

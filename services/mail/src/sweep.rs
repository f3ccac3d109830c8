//! The outbox sweep: `mail_outbox` rows auth could not put on the stream (Redis was down)
//! are queued here once they are 30 s old, so forgot-password never loses a mail. Rows
//! are locked with `SKIP LOCKED` and marked in the same transaction once on the stream,
//! so several workers never sweep the same row and a worker dying mid-sweep loses none
//! (a row it queued but could not mark may be queued twice; the worker's send-once
//! marker usually absorbs that). Queued rows are deleted after a day: they hold reset
//! links.
//!
//! It also re-queues rows Redis lost: queued but never settled by a worker (see
//! [`crate::outbox`]), and queued before the stream's oldest entry, which means the entry
//! is gone (a Redis that keeps nothing on disk restarted). A job merely waiting in a long
//! queue is still on the stream, so it is not queued twice.
//!
//! It sweeps only inside the active window ([`Activity`]): a quiet worker runs no
//! statement, so Neon can suspend. A row left by a request whose wake was lost is swept
//! by the next wake (the next reset request, or the scheduler's).

use std::time::Duration;

use chrono::{DateTime, Utc};

use folio_shared::{
    db::{Db, Queryable, Sql},
    queue::{MailJob, MailQueue},
    server::ShutdownSignal,
};
use tokio_postgres::types::Type;

use crate::activity::Activity;

/// How often the outbox is swept.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

// Locked, not yet marked: rows are marked only once they are on the stream, all in one
// transaction, so a worker that dies mid-sweep leaves them for the next sweep.
const LOCK_STRANDED: Sql = Sql::new(
    "select id, payload from mail_outbox \
     where queued_at is null and created_at < now() - interval '30 seconds' \
     order by created_at limit 100 for update skip locked",
    &[],
);

// Queued before `$1` and never settled: the stream no longer holds them.
const LOCK_LOST: Sql = Sql::new(
    "select id, payload from mail_outbox \
     where queued_at < $1 and settled_at is null \
     order by queued_at limit 100 for update skip locked",
    &[Type::TIMESTAMPTZ],
);

/// Nothing queued this recently counts as lost (the row is marked just after its XADD).
const SETTLE_GRACE: chrono::Duration = chrono::Duration::seconds(60);
/// Room for the clocks of Postgres (`queued_at`) and Redis (entry ids) to disagree.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::seconds(5);

const MARK_QUEUED: Sql = Sql::new(
    "update mail_outbox set queued_at = now() where id = $1",
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

    /// Sweeps every [`SWEEP_EVERY`] while `activity` is open (at once when it opens),
    /// and not at all outside it, until shutdown. Rows it queues are mail handled: they
    /// keep the window open.
    pub async fn run(self, activity: Activity, mut shutdown: ShutdownSignal) {
        loop {
            if !activity.is_open() {
                tracing::info!(
                    "mail worker quiet: no database query nor Redis poll until the next wake"
                );
                tokio::select! {
                    () = activity.opened() => {}
                    () = shutdown.wait() => return,
                }
            }
            match self.sweep_once().await {
                Ok(0) => {}
                Ok(queued) => {
                    activity.extend();
                    tracing::info!(queued, "queued stranded outbox mail");
                }
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), "outbox sweep failed; will retry")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(SWEEP_EVERY) => {}
                () = activity.closed() => {}
                () = shutdown.wait() => return,
            }
        }
    }

    /// Rows queued before this instant and still unsettled were lost with the stream.
    async fn lost_before(&self) -> anyhow::Result<DateTime<Utc>> {
        let settled_by = Utc::now() - SETTLE_GRACE;
        let oldest = self.queue.oldest_entry_ms().await?;
        Ok(match oldest.and_then(DateTime::from_timestamp_millis) {
            Some(oldest) => settled_by.min(oldest - CLOCK_SKEW),
            None => settled_by,
        })
    }

    /// One pass; returns how many rows were queued.
    pub async fn sweep_once(&self) -> anyhow::Result<usize> {
        let lost_before = self.lost_before().await?;
        let mut conn = self.db.conn().await?;
        let tx = conn.transaction().await?;
        let mut rows = tx.query(&LOCK_STRANDED, &[]).await?;
        let lost = tx.query(&LOCK_LOST, &[&lost_before]).await?;
        if !lost.is_empty() {
            tracing::warn!(
                rows = lost.len(),
                "queued mail missing from the stream; queueing it again"
            );
        }
        rows.extend(lost);
        let mut queued = 0;
        let mut failure = None;
        for row in rows {
            let id: uuid::Uuid = row.get("id");
            match serde_json::from_value::<MailJob>(row.get("payload")) {
                Ok(job) => {
                    if let Err(err) = self.queue.enqueue(&job).await {
                        // Redis is down: what is queued so far is marked, the rest waits.
                        failure = Some(anyhow::Error::from(err).context("queueing an outbox row"));
                        break;
                    }
                    queued += 1;
                }
                // Marked so it is not retried for ever; kept for a day to inspect.
                Err(err) => {
                    tracing::error!(outbox_id = %id, error = %err, "unreadable outbox row skipped")
                }
            }
            tx.execute(&MARK_QUEUED, &[&id]).await?;
        }
        tx.execute(&PURGE_QUEUED, &[]).await?;
        tx.commit().await?;
        match failure {
            Some(err) => Err(err),
            None => Ok(queued),
        }
    }
}

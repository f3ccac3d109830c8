//! Sending the mails auth writes to its outbox: a job is committed with the change it
//! tells of, then put on the stream and the worker woken. If Redis is down the job stays
//! in the outbox for the worker's sweep; a failed wake waits for the next one.

use folio_shared::{
    db::Db,
    queue::{MailJob, MailQueue},
};

use crate::mail_wake::MailWaker;

/// Publishes committed outbox jobs and wakes the mail worker.
#[derive(Clone)]
pub struct Mail {
    db: Db,
    queue: MailQueue,
    waker: MailWaker,
}

impl Mail {
    /// Jobs published on `queue` (marked queued in `db`), the worker woken by `waker`.
    pub fn new(db: Db, queue: MailQueue, waker: MailWaker) -> Self {
        Self { db, queue, waker }
    }

    /// Queues a committed outbox job and wakes the mail worker, which may be quiet or
    /// scaled to zero: without the wake the mail would wait for the next one.
    pub async fn send(&self, job: &MailJob) {
        self.queue(job).await;
        self.wake().await;
    }

    /// Puts a committed outbox job on the stream; if Redis is down the sweep does it later.
    pub async fn queue(&self, job: &MailJob) {
        if let Err(err) = self.queue.publish(&self.db, job).await {
            tracing::warn!(error = %err, job_id = %job.id, "mail job left in the outbox for the sweep");
        }
    }

    /// Wakes the mail worker (see [`MailWaker::wake`]); never fails.
    pub async fn wake(&self) {
        self.waker.wake().await;
    }
}

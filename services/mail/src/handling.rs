//! What the worker does with one delivery: renew its hold, skip a redelivery of a mail
//! already sent, render, send, then acknowledge, dead-letter or keep it for a retry.

use std::time::{Duration, Instant};

use folio_shared::{queue::MailJob, server::ShutdownSignal, telemetry::continue_trace};
use lettre::Message;
use redis::RedisResult;
use tracing::Instrument;

use crate::{backoff::retry_delay, consumer::Delivery, smtp::SendError, worker::Worker};

/// After SIGTERM, the send in hand gets this long before it is abandoned (unacknowledged,
/// so another worker sends it); within Cloud Run's 10 s with room for the rest.
const ABANDON_AFTER: Duration = Duration::from_secs(7);

/// A delivery put back to be tried again once `due`.
pub(crate) struct Retry {
    pub(crate) due: Instant,
    pub(crate) delivery: Delivery,
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The server accepted the mail; the entry is acknowledged.
    Sent,
    /// A redelivery of a mail already sent: acknowledged, not sent again.
    AlreadySent,
    /// Rejected, deferred too often, unrenderable or malformed: in the dead letters.
    DeadLettered,
    /// Deferred (4xx) or the server unreachable: kept, to be tried again after a backoff.
    Retrying,
    /// Another worker reclaimed the entry while it waited here; that worker sends it.
    TakenOver,
    /// Shutdown came mid-send: left unacknowledged, so it is delivered again.
    Abandoned,
}

impl Handled {
    /// True when the job is done with (sent, found sent, or dead-lettered): mail handled,
    /// which keeps the active window open. A retry does not: a long SMTP outage must not
    /// keep the worker querying the database; its entry waits, pending, for a wake.
    pub fn settled(self) -> bool {
        matches!(
            self,
            Handled::Sent | Handled::AlreadySent | Handled::DeadLettered
        )
    }
}

impl Worker {
    /// Dead-letters a job that will never be sent, and records it as settled.
    async fn give_up(
        &self,
        delivery: &Delivery,
        job: &MailJob,
        reason: &str,
        attempts: u32,
    ) -> RedisResult<Handled> {
        self.consumer
            .dead_letter(delivery, reason, attempts)
            .await?;
        self.outbox.settle(job.id).await;
        Ok(Handled::DeadLettered)
    }

    /// Sends one delivery and settles it (ack, dead letter, or retry later).
    ///
    /// First the hold on the entry is renewed, if it is still ours. An entry can wait here
    /// longer than the reclaim time (behind up to nine sends of its batch, each up to
    /// 10 s; as a retry waiting out its backoff), and another worker may have reclaimed
    /// it and be sending it right now. Checking ownership and resetting the idle time at
    /// once, right before the send, makes exactly one worker send it, whatever the batch
    /// size, the server's speed or `MAIL_RECLAIM_IDLE_SECONDS`. Reading one entry at a
    /// time would not cover retries nor reclaimed batches, and requiring reclaim > batch x
    /// timeout at start-up would mean waiting 100 s to take over a dead worker's mail.
    pub(crate) async fn handle(
        &mut self,
        delivery: Delivery,
        retries: &mut Vec<Retry>,
        shutdown: &ShutdownSignal,
    ) -> RedisResult<Handled> {
        if !self.consumer.touch(&delivery.entry_id).await? {
            tracing::info!(entry_id = %delivery.entry_id, "taken over by another worker; skipped");
            return Ok(Handled::TakenOver);
        }
        let Some(job) = delivery.job.clone() else {
            tracing::error!(entry_id = %delivery.entry_id, "malformed mail job; dead-lettered");
            self.consumer
                .dead_letter(&delivery, "malformed job", 0)
                .await?;
            return Ok(Handled::DeadLettered);
        };
        if self.consumer.already_sent(&job).await? {
            tracing::info!(job_id = %job.id, "mail already sent; acknowledging the redelivery");
            self.consumer.ack(&delivery.entry_id).await?;
            // Acked entries are deleted, so an outbox row whose settle failed after the
            // send would look lost to the sweep and come back for ever: settle it here.
            self.outbox.settle(job.id).await;
            return Ok(Handled::AlreadySent);
        }
        let message = match self.templates.render(&job) {
            Ok(message) => message,
            Err(err) => {
                tracing::error!(job_id = %job.id, error = %err, "mail cannot be rendered; dead-lettered");
                return self.give_up(&delivery, &job, &err.to_string(), 0).await;
            }
        };
        let span = tracing::info_span!(
            "send_mail",
            otel.kind = "consumer",
            job_id = %job.id,
            kind = job.kind.as_str(),
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty,
        );
        if !job.traceparent.is_empty() {
            continue_trace(&span, &job.traceparent);
        }
        let mut stopping = shutdown.clone();
        let outcome = tokio::select! {
            sent = self.send_holding(&delivery.entry_id, &message).instrument(span.clone()) => Some(sent),
            () = async { stopping.wait().await; tokio::time::sleep(ABANDON_AFTER).await } => None,
        };
        let _entered = span.enter();
        let retry_in = |delay: Duration| Retry {
            due: Instant::now() + delay,
            delivery: delivery.clone(),
        };
        match outcome {
            None => {
                tracing::warn!(job_id = %job.id, "shutting down: send abandoned, it will be redelivered");
                Ok(Handled::Abandoned)
            }
            Some(Ok(())) => {
                // The marker first, before anything else: until it is set, a worker killed
                // now leaves a mail the server has that another worker would send again.
                self.consumer.mark_sent(&job).await?;
                self.smtp_outage.reset();
                self.consumer.ack(&delivery.entry_id).await?;
                self.outbox.settle(job.id).await;
                tracing::info!(job_id = %job.id, kind = job.kind.as_str(), "mail sent");
                Ok(Handled::Sent)
            }
            Some(Err(SendError::Permanent(reason))) => {
                tracing::warn!(job_id = %job.id, %reason, "mail rejected permanently; dead-lettered");
                let attempts = self.consumer.record_attempt(&job).await?;
                self.give_up(&delivery, &job, &reason, attempts).await
            }
            Some(Err(SendError::Transient(reason))) => {
                let attempts = self.consumer.record_attempt(&job).await?;
                if attempts >= self.max_attempts {
                    tracing::warn!(job_id = %job.id, attempts, %reason, "mail deferred too often; dead-lettered");
                    return self.give_up(&delivery, &job, &reason, attempts).await;
                }
                let delay = retry_delay(attempts);
                tracing::info!(job_id = %job.id, attempts, %reason, retry_in_s = delay.as_secs(), "mail deferred; will retry");
                retries.push(retry_in(delay));
                Ok(Handled::Retrying)
            }
            Some(Err(SendError::Unreachable(reason))) => {
                let delay = self.smtp_outage.next();
                tracing::warn!(job_id = %job.id, %reason, retry_in_ms = delay.as_millis() as u64, "SMTP unreachable; will retry");
                retries.push(retry_in(delay));
                Ok(Handled::Retrying)
            }
        }
    }

    /// Sends `message`, renewing the hold on its entry every third of the reclaim time
    /// while the server is slow, so no other worker reclaims an entry whose send is still
    /// in progress (with the default 60 s and sends of at most 10 s, it never fires).
    async fn send_holding(&mut self, entry_id: &str, message: &Message) -> Result<(), SendError> {
        let every = (self.reclaim_idle / 3).max(Duration::from_millis(100));
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let send = self.mailer.send(message);
        tokio::pin!(send);
        loop {
            tokio::select! {
                sent = &mut send => return sent,
                _ = renew.tick() => match self.consumer.touch(entry_id).await {
                    Ok(true) => {}
                    // The send in hand cannot be called back; the marker, set on success,
                    // stops the other worker unless both are already sending.
                    Ok(false) => tracing::warn!(entry_id, "entry reclaimed by another worker mid-send"),
                    Err(err) => tracing::warn!(entry_id, error = %err, "could not renew the hold on an entry mid-send"),
                },
            }
        }
    }
}

//! The consumer loop of the mail worker.
//!
//! Order of work: retries that are due, then entries already ours (pending from before a
//! Redis reconnect, or reclaimed from a dead worker: a restarted process has a new
//! consumer name, so its old entries come back through reclaiming), then new entries (a
//! blocking read that also wakes for shutdown). Right before an entry is handled, and
//! while its send lasts, the worker renews its hold on it, and skips it if another worker
//! has reclaimed it meanwhile (see [`Worker::handle`]). An entry is acknowledged only when
//! its mail was accepted, was found already sent (the `SET NX` marker, set the moment the
//! server answers 250), or went to the dead letters: after
//! `MAIL_MAX_ATTEMPTS` deferrals, at once for a permanent rejection or a job that cannot
//! be rendered. An unreachable server costs no attempt: the worker waits it out with
//! backoff. A Redis failure restarts the loop after a backoff; nothing is lost, because
//! unacknowledged entries stay pending in the group.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use folio_shared::{
    queue::{Delivery, MailConsumer, MailJob},
    server::ShutdownSignal,
    telemetry::continue_trace,
};
use redis::RedisResult;
use tracing::Instrument;

use crate::{
    message::Templates,
    outbox::Outbox,
    smtp::{Mailer, SendError},
};
use lettre::Message;

/// How often entries idle in other consumers are looked for.
const RECLAIM_EVERY: Duration = Duration::from_secs(5);
/// Longest blocking read, so shutdown and due retries are noticed promptly.
const MAX_BLOCK: Duration = Duration::from_secs(2);
/// After SIGTERM, the send in hand gets this long before it is abandoned (unacknowledged,
/// so another worker sends it); within Cloud Run's 10 s with room for the rest.
const ABANDON_AFTER: Duration = Duration::from_secs(7);
/// Entries read (and reclaimed) at once. The tail of a batch may wait behind slow sends
/// for longer than the reclaim time; the hold renewed before each send keeps that safe.
const BATCH: usize = 10;
/// A consumer with nothing pending and no read for this long belongs to a stopped process
/// (a live worker reads every [`MAX_BLOCK`]); its name is removed from the group.
const DEAD_CONSUMER_IDLE: Duration = Duration::from_secs(3600);

/// Exponential backoff between `min` and `max`.
struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Self {
            next: min,
            min,
            max,
        }
    }

    fn next(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        wait
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

/// Delay before retrying after the `attempts`-th deferral: 1 s, 2 s, 4 s... up to 60 s.
fn retry_delay(attempts: u32) -> Duration {
    Duration::from_secs(1u64 << attempts.saturating_sub(1).min(6)).min(Duration::from_secs(60))
}

struct Retry {
    due: Instant,
    delivery: Delivery,
}

/// The mail worker.
pub struct Worker {
    consumer: MailConsumer,
    outbox: Outbox,
    mailer: Mailer,
    templates: Templates,
    max_attempts: u32,
    reclaim_idle: Duration,
    smtp_outage: Backoff,
}

impl Worker {
    /// A worker sending through `mailer`; entries idle `reclaim_idle` in another consumer
    /// are taken over.
    pub fn new(
        consumer: MailConsumer,
        outbox: Outbox,
        mailer: Mailer,
        templates: Templates,
        max_attempts: u32,
        reclaim_idle: Duration,
    ) -> Self {
        Self {
            consumer,
            outbox,
            mailer,
            templates,
            max_attempts,
            reclaim_idle,
            smtp_outage: Backoff::new(Duration::from_millis(250), Duration::from_secs(10)),
        }
    }

    /// Runs until shutdown, surviving Redis restarts.
    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        tracing::info!(
            consumer = self.consumer.name(),
            stream = self.consumer.stream(),
            "mail worker started"
        );
        let mut redis_outage = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        while !shutdown.is_shutting_down() {
            match self.serve(&mut shutdown, &mut redis_outage).await {
                Ok(()) => break,
                Err(err) => {
                    let wait = redis_outage.next();
                    tracing::warn!(error = %err, retry_in_ms = wait.as_millis() as u64, "mail worker lost Redis; reconnecting");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = shutdown.wait() => {}
                    }
                }
            }
        }
        self.mailer.close().await;
        tracing::info!("mail worker stopped");
    }

    /// Works until shutdown (`Ok`) or a Redis failure (`Err`).
    async fn serve(
        &mut self,
        shutdown: &mut ShutdownSignal,
        redis_outage: &mut Backoff,
    ) -> RedisResult<()> {
        self.consumer.ensure_group().await?;
        match self
            .consumer
            .remove_dead_consumers(DEAD_CONSUMER_IDLE)
            .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed consumers of stopped workers"),
            Err(err) => tracing::warn!(error = %err, "could not list the group's consumers"),
        }
        let mut conn = self.consumer.blocking_connection().await?;
        let mut ours: VecDeque<Delivery> = self.consumer.own_pending(&mut conn, 100).await?.into();
        redis_outage.reset();
        let mut retries: Vec<Retry> = Vec::new();
        let mut next_reclaim = Instant::now();
        let mut reclaim_cursor = "0-0".to_owned();
        loop {
            if shutdown.is_shutting_down() {
                return Ok(());
            }
            let now = Instant::now();
            if let Some(i) = retries.iter().position(|r| r.due <= now) {
                let retry = retries.swap_remove(i);
                self.handle(retry.delivery, &mut retries, shutdown).await?;
                continue;
            }
            if let Some(delivery) = ours.pop_front() {
                self.handle(delivery, &mut retries, shutdown).await?;
                continue;
            }
            if now >= next_reclaim {
                next_reclaim = now + RECLAIM_EVERY;
                let (reclaimed, next) = self
                    .consumer
                    .reclaim_idle(&reclaim_cursor, self.reclaim_idle, BATCH)
                    .await?;
                // `0-0` means the scan went round: start over next time.
                reclaim_cursor = next;
                // Already ours (waiting here or for a retry): not twice.
                let known = |d: &Delivery| {
                    retries.iter().any(|r| r.delivery.entry_id == d.entry_id)
                        || ours.iter().any(|o| o.entry_id == d.entry_id)
                };
                let fresh: Vec<Delivery> = reclaimed.into_iter().filter(|d| !known(d)).collect();
                ours.extend(fresh);
                continue;
            }
            let wake = retries
                .iter()
                .map(|r| r.due)
                .chain([next_reclaim])
                .min()
                .map_or(MAX_BLOCK, |due| due.saturating_duration_since(now));
            let block = wake.clamp(Duration::from_millis(10), MAX_BLOCK);
            tokio::select! {
                read = self.consumer.read_new(&mut conn, BATCH, block) => ours.extend(read?),
                () = shutdown.wait() => return Ok(()),
            }
        }
    }

    /// Dead-letters a job that will never be sent, and records it as settled.
    async fn give_up(
        &self,
        delivery: &Delivery,
        job: &MailJob,
        reason: &str,
        attempts: u32,
    ) -> RedisResult<()> {
        self.consumer
            .dead_letter(delivery, reason, attempts)
            .await?;
        self.outbox.settle(job.id).await;
        Ok(())
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
    async fn handle(
        &mut self,
        delivery: Delivery,
        retries: &mut Vec<Retry>,
        shutdown: &ShutdownSignal,
    ) -> RedisResult<()> {
        if !self.consumer.touch(&delivery.entry_id).await? {
            tracing::info!(entry_id = %delivery.entry_id, "taken over by another worker; skipped");
            return Ok(());
        }
        let Some(job) = delivery.job.clone() else {
            tracing::error!(entry_id = %delivery.entry_id, "malformed mail job; dead-lettered");
            return self
                .consumer
                .dead_letter(&delivery, "malformed job", 0)
                .await;
        };
        if self.consumer.already_sent(&job).await? {
            tracing::info!(job_id = %job.id, "mail already sent; acknowledging the redelivery");
            self.consumer.ack(&delivery.entry_id).await?;
            // Acked entries are deleted, so an outbox row whose settle failed after the
            // send would look lost to the sweep and come back for ever: settle it here.
            self.outbox.settle(job.id).await;
            return Ok(());
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
        match outcome {
            None => {
                tracing::warn!(job_id = %job.id, "shutting down: send abandoned, it will be redelivered");
                Ok(())
            }
            Some(Ok(())) => {
                // The marker first, before anything else: until it is set, a worker killed
                // now leaves a mail the server has that another worker would send again.
                self.consumer.mark_sent(&job).await?;
                self.smtp_outage.reset();
                self.consumer.ack(&delivery.entry_id).await?;
                self.outbox.settle(job.id).await;
                tracing::info!(job_id = %job.id, kind = job.kind.as_str(), "mail sent");
                Ok(())
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
                retries.push(Retry {
                    due: Instant::now() + delay,
                    delivery,
                });
                Ok(())
            }
            Some(Err(SendError::Unreachable(reason))) => {
                let delay = self.smtp_outage.next();
                tracing::warn!(job_id = %job.id, %reason, retry_in_ms = delay.as_millis() as u64, "SMTP unreachable; will retry");
                retries.push(Retry {
                    due: Instant::now() + delay,
                    delivery,
                });
                Ok(())
            }
        }
    }
}

impl Worker {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_a_minute() {
        let delays: Vec<u64> = (1..=9).map(|a| retry_delay(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        let waits: Vec<u128> = (0..4).map(|_| backoff.next().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.next().as_millis(), 250);
    }
}

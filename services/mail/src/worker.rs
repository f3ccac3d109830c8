//! The consumer loop of the mail worker, one [`Worker::try_one`] step at a time.
//!
//! Order of work: retries that are due, then entries already ours (pending from before a
//! Redis reconnect or a quiet spell, or reclaimed from a dead worker: a restarted process
//! has a new consumer name, so its old entries come back through reclaiming), then new
//! entries (a blocking read that also wakes for shutdown). Right before an entry is
//! handled, and while its send lasts, the worker renews its hold on it, and skips it if
//! another worker has reclaimed it meanwhile (see [`crate::handling`]). An entry is
//! acknowledged only when its mail was accepted, was found already sent (the `SET NX`
//! marker, set the moment the server answers 250), or went to the dead letters: after
//! `MAIL_MAX_ATTEMPTS` deferrals, at once for a permanent rejection or a job that cannot
//! be rendered. An unreachable server costs no attempt: the worker waits it out with
//! backoff. A Redis failure restarts the session after a backoff; nothing is lost,
//! because unacknowledged entries stay pending in the group.
//!
//! Outside the active window ([`Activity`]) the worker is quiet: it closes its session
//! and asks Redis nothing until a wake opens the window again. Entries it held stay
//! pending under its name and are read first when it resumes (or reclaimed by another
//! instance, should this one be retired).

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use folio_shared::server::ShutdownSignal;
use redis::{RedisResult, aio::MultiplexedConnection};

use crate::{
    activity::Activity,
    backoff::Backoff,
    consumer::{Delivery, MailConsumer},
    handling::{Handled, Retry},
    message::Templates,
    outbox::Outbox,
    smtp::Mailer,
};

/// How often entries idle in other consumers are looked for.
const RECLAIM_EVERY: Duration = Duration::from_secs(5);
/// Longest blocking read, so shutdown, due retries and the end of the window are
/// noticed promptly.
const MAX_BLOCK: Duration = Duration::from_secs(2);
/// Entries read (and reclaimed) at once. The tail of a batch may wait behind slow sends
/// for longer than the reclaim time; the hold renewed before each send keeps that safe.
const BATCH: usize = 10;
/// A consumer with nothing pending and no read for this long belongs to a stopped process
/// (a live worker reads every [`MAX_BLOCK`] while active); its name is removed from the
/// group.
const DEAD_CONSUMER_IDLE: Duration = Duration::from_secs(3600);

/// What one [`Worker::try_one`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One delivery was handled, with this outcome.
    Handled(Handled),
    /// Entries idle in other consumers were taken over (how many).
    Reclaimed(usize),
    /// New entries were read (how many; 0 when the wait ran out).
    Read(usize),
    /// The active window is closed: nothing was asked of Redis, and the session is closed.
    Quiet,
    /// Shutdown began.
    Stopped,
}

/// A connected consumer's state: its blocking connection and the work in hand. Dropped on
/// a Redis failure or when the worker goes quiet; what it held stays pending in Redis.
struct Session {
    conn: MultiplexedConnection,
    ours: VecDeque<Delivery>,
    retries: Vec<Retry>,
    next_reclaim: Instant,
    reclaim_cursor: String,
}

/// The mail worker.
pub struct Worker {
    pub(crate) consumer: MailConsumer,
    pub(crate) outbox: Outbox,
    pub(crate) mailer: Mailer,
    pub(crate) templates: Templates,
    pub(crate) max_attempts: u32,
    pub(crate) reclaim_idle: Duration,
    pub(crate) smtp_outage: Backoff,
    activity: Activity,
    redis_outage: Backoff,
    session: Option<Session>,
}

impl Worker {
    /// A worker sending through `mailer` while `activity` is open; entries idle
    /// `reclaim_idle` in another consumer are taken over.
    pub fn new(
        consumer: MailConsumer,
        outbox: Outbox,
        mailer: Mailer,
        templates: Templates,
        max_attempts: u32,
        reclaim_idle: Duration,
        activity: Activity,
    ) -> Self {
        Self {
            consumer,
            outbox,
            mailer,
            templates,
            max_attempts,
            reclaim_idle,
            smtp_outage: Backoff::new(Duration::from_millis(250), Duration::from_secs(10)),
            activity,
            redis_outage: Backoff::new(Duration::from_millis(200), Duration::from_secs(5)),
            session: None,
        }
    }

    /// Runs until shutdown, surviving Redis restarts, and quiet outside the window.
    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        tracing::info!(
            consumer = self.consumer.name(),
            stream = self.consumer.stream(),
            "mail worker started"
        );
        loop {
            match self.try_one(&mut shutdown).await {
                Ok(Step::Stopped) => break,
                Ok(Step::Quiet) => {
                    self.mailer.close().await;
                    tokio::select! {
                        () = self.activity.opened() => {}
                        () = shutdown.wait() => break,
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    let wait = self.redis_outage.next();
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

    /// One unit of work: a due retry, an entry in hand, a reclaim, or a (bounded)
    /// blocking read, in that order; [`Step::Quiet`] outside the window once nothing is
    /// in hand. A Redis failure closes the session (the next step opens a new one).
    pub async fn try_one(&mut self, shutdown: &mut ShutdownSignal) -> RedisResult<Step> {
        if shutdown.is_shutting_down() {
            return Ok(Step::Stopped);
        }
        let in_hand = self.session.as_ref().is_some_and(|s| !s.ours.is_empty());
        if !self.activity.is_open() && !in_hand {
            self.session = None;
            return Ok(Step::Quiet);
        }
        let mut session = match self.session.take() {
            Some(session) => session,
            None => self.open_session().await?,
        };
        let step = self.step(&mut session, shutdown).await?;
        self.session = Some(session);
        if let Step::Handled(handled) = step
            && handled.settled()
        {
            self.activity.extend();
        }
        Ok(step)
    }

    /// Joins the group, clears out consumers of stopped processes, and takes back the
    /// entries left pending under this consumer's name.
    async fn open_session(&mut self) -> RedisResult<Session> {
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
        let ours = self.consumer.own_pending(&mut conn, 100).await?.into();
        self.redis_outage.reset();
        Ok(Session {
            conn,
            ours,
            retries: Vec::new(),
            // Stale entries of other consumers are looked for at once: a woken instance
            // takes over what a retired one left.
            next_reclaim: Instant::now(),
            reclaim_cursor: "0-0".to_owned(),
        })
    }

    async fn step(
        &mut self,
        session: &mut Session,
        shutdown: &mut ShutdownSignal,
    ) -> RedisResult<Step> {
        let now = Instant::now();
        if let Some(i) = session.retries.iter().position(|r| r.due <= now) {
            let retry = session.retries.swap_remove(i);
            let handled = self
                .handle(retry.delivery, &mut session.retries, shutdown)
                .await?;
            return Ok(Step::Handled(handled));
        }
        if let Some(delivery) = session.ours.pop_front() {
            let handled = self
                .handle(delivery, &mut session.retries, shutdown)
                .await?;
            return Ok(Step::Handled(handled));
        }
        if now >= session.next_reclaim {
            session.next_reclaim = now + RECLAIM_EVERY;
            let (reclaimed, next) = self
                .consumer
                .reclaim_idle(&session.reclaim_cursor, self.reclaim_idle, BATCH)
                .await?;
            // `0-0` means the scan went round: start over next time.
            session.reclaim_cursor = next;
            // Already ours (waiting here or for a retry): not twice.
            let known = |d: &Delivery| {
                session
                    .retries
                    .iter()
                    .any(|r| r.delivery.entry_id == d.entry_id)
                    || session.ours.iter().any(|o| o.entry_id == d.entry_id)
            };
            let fresh: Vec<Delivery> = reclaimed.into_iter().filter(|d| !known(d)).collect();
            let count = fresh.len();
            session.ours.extend(fresh);
            return Ok(Step::Reclaimed(count));
        }
        let wake = session
            .retries
            .iter()
            .map(|r| r.due)
            .chain([session.next_reclaim])
            .min()
            .map_or(MAX_BLOCK, |due| due.saturating_duration_since(now));
        // Not past the end of the window either: a quiet worker asks Redis nothing.
        let wake = wake.min(self.activity.remaining().unwrap_or(MAX_BLOCK));
        let block = wake.clamp(Duration::from_millis(10), MAX_BLOCK);
        tokio::select! {
            read = self.consumer.read_new(&mut session.conn, BATCH, block) => {
                let read = read?;
                let count = read.len();
                session.ours.extend(read);
                Ok(Step::Read(count))
            }
            () = shutdown.wait() => Ok(Step::Stopped),
        }
    }
}

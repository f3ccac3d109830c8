//! The consuming side of the mail queue: this worker's handle on the stream (the producer,
//! the job and its cipher stay in `folio_shared::queue`, which auth uses too).
//!
//! Every worker process is one consumer of the group [`GROUP`], with a unique name. It
//! reads its own pending entries first (work it took before a restart), then new ones
//! with `BLOCK` on a connection of its own (a blocking read would stall every other
//! command of a shared multiplexed connection), and reclaims with `XAUTOCLAIM` entries
//! that another consumer took and left idle longer than the slowest send. An entry is
//! acknowledged only once its mail was accepted, dead-lettered, or found already sent.

use std::{collections::HashMap, sync::LazyLock, time::Duration};

use redis::{
    AsyncCommands, RedisResult, Script,
    aio::{ConnectionManager, MultiplexedConnection},
    streams::{StreamAutoClaimReply, StreamId, StreamReadReply},
};

use folio_shared::{
    queue::{MailJob, stream_key, xadd},
    redis::bounded,
};

/// The consumer group of the mail workers.
pub const GROUP: &str = "mailers";

/// Where jobs that will never be sent go, with the reason (`folio:mail:dead`).
pub fn dead_letter_key(prefix: &str) -> String {
    format!("{prefix}:mail:dead")
}

/// How long the "already sent" marker of a job lives: far beyond any redelivery.
const SENT_MARKER_TTL_SECS: u64 = 7 * 24 * 3600;

/// `XCLAIM` with a minimum idle time of 0 resets the idle time of an entry, but takes it
/// from whichever consumer holds it: only done here when the holder is us (`XPENDING`
/// filtered by consumer). `JUSTID` leaves the delivery count alone.
static HOLD_IF_OURS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local ours = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
        if #ours == 0 then return 0 end
        redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
        return 1
        ",
    )
});

/// The job fields a dead letter keeps: enough to say which mail failed, for whom and why.
pub const DEAD_LETTER_FIELDS: &[&str] = &["id", "kind", "to", "enqueued_at", "traceparent"];

/// One stream entry handed to this consumer. Not `Debug`: its fields hold the reset link.
#[derive(Clone)]
pub struct Delivery {
    /// The stream entry id (what is acknowledged).
    pub entry_id: String,
    /// The job, or `None` when the entry's fields are malformed.
    pub job: Option<MailJob>,
    /// The raw fields, kept for the dead-letter stream.
    pub fields: HashMap<String, String>,
}

impl Delivery {
    fn from_stream_id(entry: StreamId) -> Self {
        let fields: HashMap<String, String> = entry
            .map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), redis::from_redis_value_ref::<String>(v).ok()?)))
            .collect();
        let job = MailJob::from_fields(|k| fields.get(k).cloned());
        Self {
            entry_id: entry.id,
            job,
            fields,
        }
    }
}

/// The mail worker's handle on the stream.
#[derive(Clone)]
pub struct MailConsumer {
    client: redis::Client,
    commands: ConnectionManager,
    prefix: String,
    stream: String,
    name: String,
}

impl MailConsumer {
    /// A consumer named `name` (unique per process) of the stream of `prefix`.
    pub fn new(
        client: redis::Client,
        commands: ConnectionManager,
        prefix: &str,
        name: String,
    ) -> Self {
        Self {
            client,
            commands,
            prefix: prefix.to_owned(),
            stream: stream_key(prefix),
            name,
        }
    }

    /// This consumer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stream key.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Creates the group (and the stream) unless it exists. From id `0`, so jobs queued
    /// before the first worker ever started are delivered too.
    pub async fn ensure_group(&self) -> RedisResult<()> {
        let mut conn = self.commands.clone();
        let created: RedisResult<()> = bounded(
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&self.stream)
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM")
                .query_async(&mut conn),
        )
        .await;
        match created {
            Err(err) if err.code() == Some("BUSYGROUP") => Ok(()),
            other => other,
        }
    }

    /// Removes other consumers of the group that hold no pending entry and have been idle
    /// longer than `idle_over`: names of processes that are gone (every start, and every
    /// Cloud Run instance, makes a new name). Only consumers with nothing pending are
    /// removed, and only after far longer than a live worker's blocking read, so no work
    /// is dropped: Redis forgets a removed consumer's pending entries. Returns how many.
    pub async fn remove_dead_consumers(&self, idle_over: Duration) -> RedisResult<usize> {
        let mut conn = self.commands.clone();
        let consumers: Vec<HashMap<String, redis::Value>> = bounded(
            redis::cmd("XINFO")
                .arg("CONSUMERS")
                .arg(&self.stream)
                .arg(GROUP)
                .query_async(&mut conn),
        )
        .await?;
        let number = |info: &HashMap<String, redis::Value>, key: &str| {
            info.get(key)
                .and_then(|v| redis::from_redis_value_ref::<u64>(v).ok())
        };
        let mut removed = 0;
        for info in &consumers {
            let Some(name) = info
                .get("name")
                .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
            else {
                continue;
            };
            let idle_ms = number(info, "idle").unwrap_or(0);
            if name == self.name
                || number(info, "pending") != Some(0)
                || idle_ms <= idle_over.as_millis() as u64
            {
                continue;
            }
            let _: i64 = bounded(
                redis::cmd("XGROUP")
                    .arg("DELCONSUMER")
                    .arg(&self.stream)
                    .arg(GROUP)
                    .arg(&name)
                    .query_async(&mut conn),
            )
            .await?;
            removed += 1;
        }
        Ok(removed)
    }

    /// A dedicated connection for blocking reads.
    pub async fn blocking_connection(&self) -> RedisResult<MultiplexedConnection> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            // A blocking read may legitimately wait `block` long; allow a margin.
            .set_response_timeout(Some(Duration::from_secs(10)));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
    }

    /// Entries delivered to this consumer and not yet acknowledged (after a restart).
    pub async fn own_pending(
        &self,
        conn: &mut MultiplexedConnection,
        count: usize,
    ) -> RedisResult<Vec<Delivery>> {
        self.read_group(conn, "0", count, None).await
    }

    /// New entries, waiting up to `block` for one.
    pub async fn read_new(
        &self,
        conn: &mut MultiplexedConnection,
        count: usize,
        block: Duration,
    ) -> RedisResult<Vec<Delivery>> {
        self.read_group(conn, ">", count, Some(block)).await
    }

    async fn read_group(
        &self,
        conn: &mut MultiplexedConnection,
        from: &str,
        count: usize,
        block: Option<Duration>,
    ) -> RedisResult<Vec<Delivery>> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(GROUP)
            .arg(&self.name)
            .arg("COUNT")
            .arg(count);
        if let Some(block) = block {
            cmd.arg("BLOCK").arg(block.as_millis() as u64);
        }
        cmd.arg("STREAMS").arg(&self.stream).arg(from);
        let reply: Option<StreamReadReply> = cmd.query_async(conn).await?;
        Ok(reply
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .map(Delivery::from_stream_id)
            .collect())
    }

    /// Takes over entries of any consumer idle for at least `min_idle` (a worker that died
    /// or hung mid-send), scanning the pending list from `cursor` (`0-0` to start). Returns
    /// them with the cursor to continue from: each call looks at a bounded slice of the
    /// pending list, so a long list is covered over successive calls.
    pub async fn reclaim_idle(
        &self,
        cursor: &str,
        min_idle: Duration,
        count: usize,
    ) -> RedisResult<(Vec<Delivery>, String)> {
        let mut conn = self.commands.clone();
        let reply: StreamAutoClaimReply = bounded(
            redis::cmd("XAUTOCLAIM")
                .arg(&self.stream)
                .arg(GROUP)
                .arg(&self.name)
                .arg(min_idle.as_millis() as u64)
                .arg(cursor)
                .arg("COUNT")
                .arg(count)
                .query_async(&mut conn),
        )
        .await?;
        let claimed = reply
            .claimed
            .into_iter()
            .map(Delivery::from_stream_id)
            .collect();
        Ok((claimed, reply.next_stream_id))
    }

    /// Renews this consumer's hold on one of its entries, right before sending it (and
    /// while a send lasts): its idle time restarts, so no other worker reclaims it during
    /// the send. False when the entry is no longer ours: acknowledged, or reclaimed by
    /// another worker while it waited here (a batch read at once, a retry waiting out its
    /// backoff); that worker sends it, and this one must not. Checking the owner and
    /// claiming is one script, so no reclaim falls between them.
    pub async fn touch(&self, entry_id: &str) -> RedisResult<bool> {
        let mut conn = self.commands.clone();
        let mut call = HOLD_IF_OURS.key(&self.stream);
        call.arg(GROUP).arg(&self.name).arg(entry_id);
        bounded(call.invoke_async(&mut conn)).await
    }

    /// Acknowledges an entry: it is done (sent, dead-lettered or found already sent). The
    /// entry is deleted with it, in one step: a finished job has no reason to stay, and
    /// its fields are better gone from Redis, even sealed.
    pub async fn ack(&self, entry_id: &str) -> RedisResult<()> {
        let mut conn = self.commands.clone();
        let _: (i64, i64) = bounded(
            redis::pipe()
                .atomic()
                .xack(&self.stream, GROUP, &[entry_id])
                .xdel(&self.stream, &[entry_id])
                .query_async(&mut conn),
        )
        .await?;
        Ok(())
    }

    /// True when the job's mail was already accepted by the SMTP server.
    pub async fn already_sent(&self, job: &MailJob) -> RedisResult<bool> {
        let mut conn = self.commands.clone();
        bounded(conn.exists(self.sent_key(job))).await
    }

    /// Records that the job's mail was accepted, so a redelivery does not send it again.
    pub async fn mark_sent(&self, job: &MailJob) -> RedisResult<()> {
        let mut conn = self.commands.clone();
        let _: Option<String> = bounded(
            redis::cmd("SET")
                .arg(self.sent_key(job))
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(SENT_MARKER_TTL_SECS)
                .query_async(&mut conn),
        )
        .await?;
        Ok(())
    }

    /// Counts one failed send of `job` and returns the count so far. Kept in Redis, so
    /// `MAIL_MAX_ATTEMPTS` holds across reconnects, restarts and workers taking over.
    pub async fn record_attempt(&self, job: &MailJob) -> RedisResult<u32> {
        let key = format!("{}:mail:attempts:{}", self.prefix, job.id);
        let mut conn = self.commands.clone();
        let (count,): (u32,) = bounded(
            redis::pipe()
                .atomic()
                .incr(&key, 1)
                .expire(&key, SENT_MARKER_TTL_SECS as i64)
                .ignore()
                .query_async(&mut conn),
        )
        .await?;
        Ok(count)
    }

    /// Moves a delivery to the dead-letter stream with the reason, then acknowledges it.
    /// Only the job's [`DEAD_LETTER_FIELDS`] go along: never the (sealed) link, nor anything
    /// another field may hold, since a dead letter stays for a week and nothing sends it.
    pub async fn dead_letter(
        &self,
        delivery: &Delivery,
        reason: &str,
        attempts: u32,
    ) -> RedisResult<()> {
        let mut fields: Vec<(&str, String)> = DEAD_LETTER_FIELDS
            .iter()
            .filter_map(|&k| Some((k, delivery.fields.get(k)?.clone())))
            .collect();
        fields.push(("reason", reason.to_owned()));
        fields.push(("attempts", attempts.to_string()));
        fields.push(("failed_at", chrono::Utc::now().to_rfc3339()));
        fields.push(("entry_id", delivery.entry_id.clone()));
        let mut conn = self.commands.clone();
        let _: String =
            bounded(xadd(&dead_letter_key(&self.prefix), &fields).query_async(&mut conn)).await?;
        self.ack(&delivery.entry_id).await
    }

    fn sent_key(&self, job: &MailJob) -> String {
        format!("{}:mail:sent:{}", self.prefix, job.id)
    }
}

//! The mail worker spawned against a real SMTP server (`TestApp`), and ways to look at
//! the stream, the dead letters and the outbox.

use std::{
    sync::LazyLock,
    time::{Duration, Instant},
};

use folio_mail::{
    consumer::{GROUP, MailConsumer, dead_letter_key},
    startup::Application,
};
use folio_shared::{
    queue::{JobCipher, MailJob, MailKind, MailQueue, stream_key},
    test_utils::{RedisPrefix, TestServer, redis_url},
};
use redis::AsyncCommands;
use serde_json::{Value, json};

pub use crate::servers::{PrivateRedis, SmtpSink};

/// A mail worker running for one test.
pub type WorkerServer = TestServer<folio_mail::config::Settings>;

/// The link of the reset jobs [`Stream::enqueue`] queues.
pub const RESET_LINK: &str = "http://localhost:8000/reset-password?token=abc";

/// The `MAIL_JOB_KEY` of every worker (and auth) in these tests, rather than a development
/// key file generated into the crate's folder.
pub static JOB_KEY: LazyLock<String> = LazyLock::new(JobCipher::generate_key);

/// What seals links for the workers of these tests.
pub fn job_cipher() -> JobCipher {
    JobCipher::from_keys(&JOB_KEY).unwrap()
}

/// The `MAIL_WAKE_TOKEN` of every worker (and auth) in these tests.
pub const WAKE_TOKEN: &str = "wake-token-of-the-mail-tests";

/// Settings that point a worker at `sink`, reclaiming idle jobs after a second.
pub fn worker_settings(sink: &SmtpSink) -> Vec<(&'static str, String)> {
    vec![
        ("MAIL_JOB_KEY", JOB_KEY.clone()),
        ("MAIL_WAKE_TOKEN", WAKE_TOKEN.to_owned()),
        ("MAIL_SERVER", "127.0.0.1".to_owned()),
        ("MAIL_PORT", sink.port.to_string()),
        ("MAIL_USE_TLS", "false".to_owned()),
        ("MAIL_FROM", "noreply@folio.test".to_owned()),
        ("MAIL_RECLAIM_IDLE_SECONDS", "1".to_owned()),
    ]
}

/// Spawns a mail worker with `extra` settings on top of [`worker_settings`].
pub async fn spawn_worker(sink: &SmtpSink, extra: &[(&str, &str)]) -> WorkerServer {
    let mut vars = worker_settings(sink);
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestServer::spawn(&pairs, Application::build).await
}

/// One mail worker sending to an SMTP sink of its own, and the stream it reads. Fields
/// drop in order: the worker stops before its sink and stream go.
pub struct TestApp {
    pub worker: WorkerServer,
    pub stream: Stream,
    pub sink: SmtpSink,
}

/// A worker with `extra` settings (see [`spawn_worker`]) against a fresh [`SmtpSink`].
pub async fn spawn_app(extra: &[(&str, &str)]) -> TestApp {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, extra).await;
    TestApp {
        stream: Stream::of(&worker),
        worker,
        sink,
    }
}

/// The same, with the SMTP server down until `app.sink.resume()`.
pub async fn spawn_app_with_smtp_down(extra: &[(&str, &str)]) -> TestApp {
    let mut sink = SmtpSink::start();
    sink.stop();
    let worker = spawn_worker(&sink, extra).await;
    TestApp {
        stream: Stream::of(&worker),
        worker,
        sink,
    }
}

impl TestApp {
    /// Queues a job as auth does (see [`Stream::enqueue`]).
    pub async fn enqueue(&self, kind: MailKind, to: &str) -> MailJob {
        self.stream.enqueue(kind, to).await
    }

    /// Waits for the one mail that went out after an outage, and checks the outage cost
    /// no attempt and the mail arrived once.
    pub async fn assert_delivered_once_despite_the_outage(&self) {
        self.sink.wait_for(1, Duration::from_secs(15)).await;
        self.stream.wait_until_settled(Duration::from_secs(5)).await;
        assert!(
            self.stream.dead_letters().await.is_empty(),
            "an outage costs no attempt"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(self.sink.messages().len(), 1, "sent once");
    }
}

/// The `Message-ID` of a received mail (`<job id@folio>`).
pub fn message_id(mail: &str) -> String {
    mail.lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .expect("a Message-ID header")
        .trim()
        .to_owned()
}

/// Longest a blocking read of a worker lasts (its `MAX_BLOCK`), plus a margin.
const LAST_READ: Duration = Duration::from_secs(3);

/// Waits until a worker started with `MAIL_ACTIVE_SECONDS=active_secs`, and neither
/// woken nor handed mail since, is quiet.
pub async fn until_quiet(active_secs: u64) {
    tokio::time::sleep(Duration::from_secs(active_secs) + LAST_READ).await;
}

/// `POST /internal/wake` with `authorization` (a whole header value), if any: the status
/// and the JSON body.
pub async fn wake_with(worker: &WorkerServer, authorization: Option<&str>) -> (u16, Value) {
    let mut request = worker.client.post(worker.url("/internal/wake"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// Wakes `worker` as auth and the scheduler do, and checks it said so.
pub async fn wake(worker: &WorkerServer) {
    let answer = wake_with(worker, Some(&format!("Bearer {WAKE_TOKEN}"))).await;
    assert_eq!(answer, (202, json!({"detail": "Awake"})));
}

/// Statements the worker has run against its database, from its `/metrics`.
pub async fn statements_run(worker: &WorkerServer) -> u64 {
    let text = worker
        .client
        .get(worker.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("folio_db_statements_total "))
        .and_then(|n| n.parse().ok())
        .expect("the statement counter is reported")
}

/// Direct access to the stream of a key prefix.
pub struct Stream {
    pub prefix: String,
    pub queue: MailQueue,
    client: redis::Client,
    /// Set when the stream made its prefix: its keys go with it.
    _owned: Option<RedisPrefix>,
}

impl Stream {
    pub fn of<S>(server: &TestServer<S>) -> Self {
        Self::with_prefix(server.redis_key_prefix.clone(), None)
    }

    /// A stream no worker reads yet, in a key prefix of its own, deleted with it.
    pub fn fresh() -> Self {
        let owned = RedisPrefix::new();
        Self::with_prefix(owned.name().to_owned(), Some(owned))
    }

    fn with_prefix(prefix: String, owned: Option<RedisPrefix>) -> Self {
        Self {
            queue: MailQueue::new(
                folio_shared::redis::connect_lazy(&redis_url().into()).unwrap(),
                &prefix,
            ),
            client: redis::Client::open(redis_url()).unwrap(),
            prefix,
            _owned: owned,
        }
    }

    /// Queues a job as auth does: a reset link sealed with [`JOB_KEY`], other kinds none.
    pub async fn enqueue(&self, kind: MailKind, to: &str) -> MailJob {
        let mut job = MailJob::new(kind, to, "Ann", "");
        if kind == MailKind::PasswordReset {
            job = job.with_link(RESET_LINK, &job_cipher()).unwrap();
        }
        self.queue.enqueue(&job).await.unwrap();
        job
    }

    /// Queues `n` password-changed mails, to `user0@example.com` and on; their
    /// `Message-ID`s (see [`message_id`]).
    pub async fn enqueue_notices(&self, n: usize) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let to = format!("user{i}@example.com");
            let job = self.enqueue(MailKind::PasswordChanged, &to).await;
            ids.push(format!("<{}@folio>", job.id));
        }
        ids
    }

    /// A consumer `name` of this stream, its group created.
    pub async fn consumer(&self, name: &str) -> MailConsumer {
        let consumer = MailConsumer::new(
            self.client.clone(),
            folio_shared::redis::connect_lazy(&redis_url().into()).unwrap(),
            &self.prefix,
            name.to_owned(),
        );
        consumer.ensure_group().await.unwrap();
        consumer
    }

    /// How many entries the stream holds (acknowledged ones are deleted).
    pub async fn entries(&self) -> usize {
        redis::cmd("XLEN")
            .arg(stream_key(&self.prefix))
            .query_async(&mut self.conn().await)
            .await
            .unwrap()
    }

    pub async fn conn(&self) -> redis::aio::MultiplexedConnection {
        self.client
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Entries of the group not yet acknowledged.
    pub async fn pending(&self) -> usize {
        let mut conn = self.conn().await;
        let reply: redis::RedisResult<redis::streams::StreamPendingReply> =
            conn.xpending(stream_key(&self.prefix), GROUP).await;
        reply.map(|r| r.count()).unwrap_or(0)
    }

    /// The dead letters, as field maps.
    pub async fn dead_letters(&self) -> Vec<redis::streams::StreamId> {
        let mut conn = self.conn().await;
        let reply: redis::streams::StreamRangeReply = conn
            .xrange_all(dead_letter_key(&self.prefix))
            .await
            .unwrap();
        reply.ids
    }

    /// The dead letters once there are at least `n` (or fails after a few seconds).
    pub async fn wait_for_dead_letters(&self, n: usize) -> Vec<redis::streams::StreamId> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let dead = self.dead_letters().await;
            if dead.len() >= n {
                return dead;
            }
            assert!(Instant::now() < deadline, "no dead letter arrived");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until nothing is pending (or fails after `within`).
    pub async fn wait_until_settled(&self, within: Duration) {
        let deadline = Instant::now() + within;
        while self.pending().await > 0 {
            assert!(Instant::now() < deadline, "entries still pending");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What auth leaves when Redis is down: a committed outbox row for `job`, older than the
/// sweep's grace period, so the next sweep takes it.
pub async fn leave_in_outbox(worker: &WorkerServer, job: &MailJob) {
    insert_outbox_row(worker, job, "created_at").await;
}

/// An outbox row for `job`, marked queued two minutes ago (as auth leaves it once the job
/// is on the stream).
pub async fn outbox_row_queued_long_ago(worker: &WorkerServer, job: &MailJob) {
    insert_outbox_row(worker, job, "queued_at").await;
}

/// `job` on the stream of `prefix` in the Redis at `redis_url` since two minutes ago (its
/// entry id), as auth leaves it just before marking the row queued: with
/// [`outbox_row_queued_long_ago`] after it, the two agree, so the sweep sees a job
/// still waiting on the stream, not a lost one.
pub async fn queued_long_ago(redis_url: &str, prefix: &str, job: &MailJob) {
    let queued_ms = chrono::Utc::now().timestamp_millis() - 120_000;
    let mut add = redis::cmd("XADD");
    add.arg(stream_key(prefix)).arg(format!("{queued_ms}-0"));
    for (field, value) in job.to_fields() {
        add.arg(field).arg(value);
    }
    let mut conn = redis::Client::open(redis_url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: String = add.query_async(&mut conn).await.unwrap();
}

/// An outbox row for `job` whose `column` (a timestamp) lies two minutes back: past the
/// sweep's grace for a new row and its settle grace for a queued one.
async fn insert_outbox_row(worker: &WorkerServer, job: &MailJob, column: &str) {
    let insert = format!(
        "insert into mail_outbox (id, payload, {column}) \
         values ($1, $2, now() - interval '2 minutes')"
    );
    worker
        .pg()
        .await
        .execute(&insert, &[&job.id, &serde_json::to_value(job).unwrap()])
        .await
        .unwrap();
}

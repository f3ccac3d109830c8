//! A real SMTP server per test, the mail worker spawned against it, and ways to look at
//! the stream and the dead letters.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::LazyLock,
    time::{Duration, Instant},
};

use folio_mail::startup::Application;
use folio_shared::{
    queue::{GROUP, JobCipher, MailJob, MailKind, MailQueue, dead_letter_key, stream_key},
    test_utils::{RedisPrefix, TestServer, decode_quoted_printable, redis_url},
};
use redis::AsyncCommands;
use serde_json::{Value, json};

/// The link of the reset jobs [`Stream::enqueue`] queues.
pub const RESET_LINK: &str = "http://localhost:8000/reset-password?token=abc";

/// aiosmtpd on a port of its own, writing accepted mail to a folder.
pub struct SmtpSink {
    pub port: u16,
    maildir: PathBuf,
    process: Option<Child>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir =
            std::env::temp_dir().join(format!("folio-mail-{}", uuid::Uuid::new_v4().simple()));
        let mut sink = Self {
            port,
            maildir,
            process: None,
        };
        sink.resume();
        sink
    }

    /// (Re)starts the server on the same port.
    pub fn resume(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/smtp_sink.py");
        let mut child = Command::new("python3")
            .args([
                script,
                "--port",
                &self.port.to_string(),
                "--maildir",
                self.maildir.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (make test installs it)");
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP sink started");
        self.process = Some(child);
    }

    /// Stops the server: connections are refused until [`SmtpSink::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every accepted message, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.maildir)
            .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'));
        files.sort();
        files
            .iter()
            .map(|p| decode_quoted_printable(&std::fs::read_to_string(p).unwrap()))
            .collect()
    }

    /// Waits until `n` messages arrived (or fails after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() > deadline {
                assert_eq!(messages.len(), n, "messages received");
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

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
pub async fn spawn_worker(sink: &SmtpSink, extra: &[(&str, &str)]) -> TestServer {
    let mut vars = worker_settings(sink);
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestServer::spawn(&pairs, Application::build).await
}

/// A Redis server of the test's own, so it can be stopped without disturbing others.
pub struct PrivateRedis {
    port: u16,
    process: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Self {
            port,
            process: None,
        };
        redis.resume();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn resume(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed with Redis");
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "private Redis started");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.process = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
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
pub async fn wake_with(worker: &TestServer, authorization: Option<&str>) -> (u16, Value) {
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
pub async fn wake(worker: &TestServer) {
    let answer = wake_with(worker, Some(&format!("Bearer {WAKE_TOKEN}"))).await;
    assert_eq!(answer, (202, json!({"detail": "Awake"})));
}

/// Statements the worker has run against its database, from its `/metrics`.
pub async fn statements_run(worker: &TestServer) -> u64 {
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
    pub fn of(server: &TestServer) -> Self {
        Self::with_prefix(server.settings.redis_key_prefix.clone(), None)
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
pub async fn leave_in_outbox(worker: &TestServer, job: &MailJob) {
    worker
        .pg()
        .await
        .execute(
            "insert into mail_outbox (id, payload, created_at) \
             values ($1, $2, now() - interval '1 minute')",
            &[&job.id, &serde_json::to_value(job).unwrap()],
        )
        .await
        .unwrap();
}

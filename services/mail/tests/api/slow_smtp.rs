//! A slow SMTP server: several workers on one stream, with a reclaim time shorter than
//! what a batch takes to send, still send each mail once.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use folio_mail::startup::Application;
use folio_shared::test_utils::TestServer;

use crate::helpers::WorkerServer;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

use crate::helpers::Stream;

/// A minimal SMTP server that takes `delay` to answer each message, recording the
/// `Message-ID` of every mail it accepts (aiosmtpd has no delay to offer).
struct SlowSmtp {
    port: u16,
    accepted: Arc<Mutex<Vec<String>>>,
}

impl SlowSmtp {
    async fn start(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, delay, Arc::clone(&log)));
            }
        });
        Self { port, accepted }
    }

    fn accepted(&self) -> Vec<String> {
        self.accepted.lock().unwrap().clone()
    }
}

async fn session(socket: TcpStream, delay: Duration, accepted: Arc<Mutex<Vec<String>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 slow.test ESMTP\r\n").await;
    let mut line = String::new();
    let mut in_data = false;
    let mut message_id = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if in_data {
            if let Some(id) = line.strip_prefix("Message-ID: ") {
                message_id = id.trim().to_owned();
            }
            if line == ".\r\n" {
                in_data = false;
                tokio::time::sleep(delay).await;
                accepted
                    .lock()
                    .unwrap()
                    .push(std::mem::take(&mut message_id));
                let _ = write.write_all(b"250 2.0.0 Accepted\r\n").await;
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-slow.test\r\n250 8BITMIME\r\n",
            "DATA" => {
                in_data = true;
                "354 End data with <CR><LF>.<CR><LF>\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => "250 OK\r\n",
        };
        if write.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// One worker process with one consumer, reclaiming jobs idle for a second.
async fn spawn_worker(smtp: &SlowSmtp, prefix: &str) -> WorkerServer {
    let port = smtp.port.to_string();
    TestServer::spawn(
        &[
            ("MAIL_SERVER", "127.0.0.1"),
            ("MAIL_PORT", &port),
            ("MAIL_USE_TLS", "false"),
            ("MAIL_FROM", "noreply@folio.test"),
            ("MAIL_RECLAIM_IDLE_SECONDS", "1"),
            ("MAIL_CONCURRENCY", "1"),
            ("REDIS_KEY_PREFIX", prefix),
        ],
        Application::build,
    )
    .await
}

#[tokio::test]
async fn with_a_slow_smtp_server_a_batch_reclaimed_by_a_second_worker_is_sent_once() {
    let smtp = SlowSmtp::start(Duration::from_millis(400)).await;
    let stream = Stream::fresh();
    let mut jobs = stream.enqueue_notices(8).await;
    // The first worker reads all eight at once; sending them takes over three seconds.
    let _first = spawn_worker(&smtp, &stream.prefix).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while stream.pending().await < jobs.len() {
        assert!(Instant::now() < deadline, "the first worker took the batch");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Past the reclaim time, the second one takes the waiting tail over at start-up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _second = spawn_worker(&smtp, &stream.prefix).await;

    stream.wait_until_settled(Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut accepted = smtp.accepted();
    accepted.sort();
    jobs.sort();
    assert_eq!(accepted, jobs, "every mail exactly once");
}

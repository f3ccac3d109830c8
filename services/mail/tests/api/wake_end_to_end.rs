//! forgot-password -> auth wakes the quiet worker -> the worker mails the link; and when
//! that wake is lost, the next one (the scheduler's) delivers.

use std::time::Duration;

use folio_shared::queue::MailKind;

use crate::helpers::WorkerServer;

use crate::{
    auth_app::{AuthApp, spawn_auth},
    helpers::{SmtpSink, Stream, WAKE_TOKEN, spawn_worker, until_quiet, wake},
};

/// A worker that goes quiet a second after it starts or is woken.
async fn quiet_worker(sink: &SmtpSink) -> WorkerServer {
    let worker = spawn_worker(sink, &[("MAIL_ACTIVE_SECONDS", "1")]).await;
    until_quiet(1).await;
    worker
}

/// A quiet worker, its sink, and auth waking it.
async fn quiet_worker_woken_by_auth() -> (SmtpSink, WorkerServer, AuthApp) {
    let sink = SmtpSink::start();
    let worker = quiet_worker(&sink).await;
    let auth = auth_waking(&worker, &worker.url("/internal/wake")).await;
    (sink, worker, auth)
}

/// Auth on the worker's database and stream, waking it at `wake_url`.
async fn auth_waking(worker: &WorkerServer, wake_url: &str) -> AuthApp {
    let db_url = worker.database_url();
    let prefix = worker.redis_key_prefix.clone();
    spawn_auth(&[
        ("DATABASE_URL", &db_url),
        ("REDIS_KEY_PREFIX", &prefix),
        ("MAIL_WAKE_URL", wake_url),
        ("MAIL_WAKE_TOKEN", WAKE_TOKEN),
    ])
    .await
}

fn recipient(mail: &str) -> &str {
    mail.lines()
        .find_map(|l| l.strip_prefix("X-Envelope-To: "))
        .expect("an envelope recipient")
        .trim()
}

#[tokio::test]
async fn forgot_password_wakes_the_quiet_worker_and_the_link_is_mailed() {
    let (sink, worker, auth) = quiet_worker_woken_by_auth().await;
    auth.register("ann").await;
    // Queued while quiet, and not woken for: it waits.
    Stream::of(&worker)
        .enqueue(MailKind::PasswordChanged, "early@example.com")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sink.messages().is_empty(), "the worker is quiet");

    auth.forgot_password("ann").await;

    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    let mut to: Vec<&str> = mails.iter().map(|m| recipient(m)).collect();
    to.sort();
    assert_eq!(to, ["ann@example.com", "early@example.com"]);
    assert!(mails.iter().any(|m| m.contains("reset-password?token=")));
}

#[tokio::test]
async fn two_forgot_passwords_at_once_wake_the_worker_twice_and_each_link_is_mailed_once() {
    let (sink, worker, auth) = quiet_worker_woken_by_auth().await;
    auth.register("ann").await;
    auth.register("bob").await;

    tokio::join!(auth.forgot_password("ann"), auth.forgot_password("bob"));

    sink.wait_for(2, Duration::from_secs(10)).await;
    Stream::of(&worker)
        .wait_until_settled(Duration::from_secs(5))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = sink.messages();
    let mut to: Vec<&str> = mails.iter().map(|m| recipient(m)).collect();
    to.sort();
    assert_eq!(to, ["ann@example.com", "bob@example.com"], "each once");
}

#[tokio::test]
async fn a_reset_whose_wake_was_lost_is_mailed_by_the_schedulers_wake() {
    let sink = SmtpSink::start();
    let worker = quiet_worker(&sink).await;
    let auth = auth_waking(&worker, "http://127.0.0.1:1/internal/wake").await;
    auth.register("ann").await;

    auth.forgot_password("ann").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sink.messages().is_empty(), "nobody woke the worker");

    wake(&worker).await;

    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
    assert_eq!(recipient(&mail), "ann@example.com");
}

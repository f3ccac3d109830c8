//! The wake and the active window: a worker works after a start or a wake, then goes
//! quiet (no database statement, no Redis poll) until the next wake.

use std::{collections::HashSet, time::Duration};

use folio_shared::queue::{MailJob, MailKind};
use serde_json::json;

use crate::helpers::{
    SmtpSink, Stream, WAKE_TOKEN, leave_in_outbox, message_id, spawn_worker, statements_run,
    until_quiet, wake, wake_with,
};

/// The window of the workers of these tests, in seconds: short, so they go quiet soon.
const ACTIVE: &str = "1";

#[tokio::test]
async fn a_wake_without_the_token_or_with_a_wrong_one_is_401_not_authenticated() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[]).await;
    let refused = (401, json!({"detail": "Not authenticated"}));

    let cases = [
        (None, "no Authorization header"),
        (Some("Bearer not-the-token".to_owned()), "a wrong token"),
        (Some(format!("Bearer {WAKE_TOKEN}x")), "the token and more"),
        (Some(format!("Basic {WAKE_TOKEN}")), "another scheme"),
        (Some("Bearer ".to_owned()), "an empty token"),
    ];
    for (authorization, case) in cases {
        assert_eq!(
            wake_with(&worker, authorization.as_deref()).await,
            refused,
            "{case}"
        );
    }
    wake(&worker).await;
}

#[tokio::test]
async fn a_wake_is_202_awake_and_a_mail_queued_while_quiet_is_delivered() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[("MAIL_ACTIVE_SECONDS", ACTIVE)]).await;
    let stream = Stream::of(&worker);
    until_quiet(1).await;
    // Auth's wake was lost: the mail waits, pending nowhere, on the stream.
    stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(sink.messages().is_empty(), "a quiet worker reads nothing");

    // The next wake (another request's, or the scheduler's).
    wake(&worker).await;

    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
    assert!(mail.contains("X-Envelope-To: ann@example.com"));
    stream.wait_until_settled(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_quiet_worker_runs_no_database_statement_over_an_idle_stretch_then_delivers_after_a_wake()
{
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[("MAIL_ACTIVE_SECONDS", ACTIVE)]).await;
    let stream = Stream::of(&worker);
    until_quiet(1).await;
    let before = statements_run(&worker).await;

    // Longer than the outbox sweep's period: an active worker would have swept.
    tokio::time::sleep(folio_mail::sweep::SWEEP_EVERY + Duration::from_secs(2)).await;

    assert_eq!(
        statements_run(&worker).await,
        before,
        "no statement while quiet"
    );
    stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    wake(&worker).await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    assert!(
        statements_run(&worker).await > before,
        "the woken worker swept and settled"
    );
}

#[tokio::test]
async fn a_mail_left_in_the_outbox_while_quiet_is_swept_and_sent_by_the_next_wake() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[("MAIL_ACTIVE_SECONDS", ACTIVE)]).await;
    until_quiet(1).await;
    // Redis was down when auth committed it, and its wake was lost too.
    let job = MailJob::new(MailKind::PasswordChanged, "ann@example.com", "Ann", "");
    leave_in_outbox(&worker, &job).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sink.messages().is_empty(), "a quiet worker sweeps nothing");

    // The scheduler's safety-net wake.
    wake(&worker).await;

    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
    assert_eq!(message_id(&mail), format!("<{}@folio>", job.id));
}

#[tokio::test]
async fn concurrent_wakes_of_two_workers_send_each_mail_once_and_no_redelivery_again() {
    let sink = SmtpSink::start();
    let first = spawn_worker(&sink, &[("MAIL_ACTIVE_SECONDS", ACTIVE)]).await;
    let prefix = first.redis_key_prefix.clone();
    let second = spawn_worker(
        &sink,
        &[
            ("MAIL_ACTIVE_SECONDS", ACTIVE),
            ("REDIS_KEY_PREFIX", &prefix),
        ],
    )
    .await;
    let stream = Stream::of(&first);
    let sent_before = stream
        .enqueue(MailKind::PasswordChanged, "early@example.com")
        .await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    until_quiet(1).await;
    let mut expected = HashSet::from([format!("<{}@folio>", sent_before.id)]);
    expected.extend(stream.enqueue_notices(8).await);
    // The sent job again, as a sweep that re-queues a row does: a redelivery.
    stream.queue.enqueue(&sent_before).await.unwrap();

    // Two requests at once wake each instance twice.
    tokio::join!(wake(&first), wake(&first), wake(&second), wake(&second));

    let mails = sink.wait_for(9, Duration::from_secs(15)).await;
    stream.wait_until_settled(Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids: Vec<String> = sink.messages().iter().map(|m| message_id(m)).collect();
    assert_eq!(ids.len(), 9, "each mail once: {ids:?}");
    assert_eq!(ids.into_iter().collect::<HashSet<_>>(), expected);
    assert_eq!(mails.len(), 9);
}

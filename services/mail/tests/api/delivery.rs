use std::{collections::HashSet, time::Duration};

use folio_mail::consumer::GROUP;
use folio_shared::queue::{MailKind, stream_key};
use redis::AsyncCommands;

use crate::helpers::{
    SmtpSink, Stream, message_id, spawn_app, spawn_app_with_smtp_down, spawn_worker,
};

#[tokio::test]
async fn a_queued_job_is_sent_once_with_both_parts_and_acknowledged() {
    let app = spawn_app(&[]).await;
    let (sink, stream) = (&app.sink, &app.stream);

    let job = app
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;

    let mail = &sink.wait_for(1, Duration::from_secs(10)).await[0];
    assert!(mail.contains("X-Envelope-To: ann@example.com"));
    assert!(mail.contains("From: Folio <noreply@folio.test>"));
    assert!(mail.contains("Subject: Your Folio password was changed"));
    assert_eq!(message_id(mail), format!("<{}@folio>", job.id));
    stream.wait_until_settled(Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "sent once");
}

#[tokio::test]
async fn with_smtp_down_the_mail_waits_and_arrives_once_when_it_returns() {
    let mut app = spawn_app_with_smtp_down(&[]).await;
    app.enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(app.sink.messages().is_empty());
    assert_eq!(app.stream.pending().await, 1, "held, not acknowledged");
    app.sink.resume();

    app.assert_delivered_once_despite_the_outage().await;
}

/// Waits for the mails of `jobs` (their Message-IDs), checks each came and none twice,
/// and that every entry was acknowledged.
async fn assert_each_sent_once(sink: &SmtpSink, stream: &Stream, jobs: Vec<String>) {
    let mails = sink.wait_for(jobs.len(), Duration::from_secs(15)).await;
    let sent: HashSet<String> = mails.iter().map(|m| message_id(m)).collect();
    assert_eq!(sent, jobs.into_iter().collect(), "every job, none twice");
    stream.wait_until_settled(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn two_workers_on_one_stream_send_each_job_once() {
    let sink = SmtpSink::start();
    let first = spawn_worker(&sink, &[]).await;
    let prefix = first.redis_key_prefix.clone();
    let _second = spawn_worker(&sink, &[("REDIS_KEY_PREFIX", &prefix)]).await;
    let stream = Stream::of(&first);

    let jobs = stream.enqueue_notices(12).await;

    assert_each_sent_once(&sink, &stream, jobs).await;
}

#[tokio::test]
async fn one_process_reads_with_mail_concurrency_consumers_and_sends_each_job_once() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[("MAIL_CONCURRENCY", "3")]).await;
    let stream = Stream::of(&worker);

    let jobs = stream.enqueue_notices(12).await;

    assert_each_sent_once(&sink, &stream, jobs).await;
    let consumers: Vec<redis::Value> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(stream_key(&stream.prefix))
        .arg(GROUP)
        .query_async(&mut stream.conn().await)
        .await
        .unwrap();
    assert_eq!(consumers.len(), 3, "one consumer per concurrent sender");
}

/// Takes the next entry as consumer `name` without acknowledging it, as a worker that
/// died right after reading (or right after sending) would leave it.
async fn take_as_dead_consumer(stream: &Stream, name: &str) -> String {
    let mut conn = stream.conn().await;
    let _: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream_key(&stream.prefix))
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut conn)
        .await;
    let reply: redis::streams::StreamReadReply = conn
        .xread_options(
            &[stream_key(&stream.prefix)],
            &[">"],
            &redis::streams::StreamReadOptions::default()
                .group(GROUP, name)
                .count(1),
        )
        .await
        .unwrap();
    reply.keys[0].ids[0].id.clone()
}

#[tokio::test]
async fn a_job_sent_by_a_worker_killed_before_its_ack_is_not_sent_again() {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    let job = stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    take_as_dead_consumer(&stream, "killed-worker").await;
    // The killed worker had sent it: the marker is there, the ack is not.
    let mut conn = stream.conn().await;
    let _: () = conn
        .set(format!("{}:mail:sent:{}", stream.prefix, job.id), 1)
        .await
        .unwrap();
    assert_eq!(stream.pending().await, 1);

    let _worker = spawn_worker(&sink, &[("REDIS_KEY_PREFIX", &stream.prefix)]).await;

    stream.wait_until_settled(Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sink.messages().is_empty(),
        "redelivered, acknowledged, not sent twice"
    );
}

#[tokio::test]
async fn a_job_left_unsent_by_a_dead_worker_is_reclaimed_and_sent() {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    take_as_dead_consumer(&stream, "dead-worker").await;

    let _worker = spawn_worker(&sink, &[("REDIS_KEY_PREFIX", &stream.prefix)]).await;

    sink.wait_for(1, Duration::from_secs(15)).await;
    stream.wait_until_settled(Duration::from_secs(5)).await;
}

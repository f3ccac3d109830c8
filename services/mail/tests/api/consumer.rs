//! The worker's handle on the stream ([`MailConsumer`]) against the real Redis: the group,
//! pending entries after a restart, reclaiming, acknowledging, the send-once marker, dead
//! letters and the clean-up of stopped consumers.

use std::time::Duration;

use folio_mail::consumer::{Delivery, GROUP, MailConsumer};
use folio_shared::queue::{MailJob, MailKind, stream_key};
use redis::AsyncCommands;

use crate::helpers::Stream;

/// Queues a reset mail to `to` on `stream`.
async fn queue(stream: &Stream, to: &str) -> MailJob {
    stream.enqueue(MailKind::PasswordReset, to).await
}

/// Up to `count` new entries for `consumer`, waiting briefly for them.
async fn take(consumer: &MailConsumer, count: usize) -> Vec<Delivery> {
    let mut conn = consumer.blocking_connection().await.unwrap();
    consumer
        .read_new(&mut conn, count, Duration::from_millis(100))
        .await
        .unwrap()
}

/// A fresh stream whose one job consumer `name` read and never acknowledged.
async fn a_job_taken_by(name: &str) -> (Stream, MailJob) {
    let stream = Stream::fresh();
    let job = queue(&stream, "ann@example.com").await;
    assert_eq!(take(&stream.consumer(name).await, 10).await.len(), 1);
    (stream, job)
}

/// The ids of the jobs in `deliveries`.
fn job_ids(deliveries: &[Delivery]) -> Vec<uuid::Uuid> {
    deliveries
        .iter()
        .map(|d| d.job.as_ref().expect("a well-formed job").id)
        .collect()
}

#[tokio::test]
async fn creating_the_group_twice_is_fine_and_jobs_queued_before_it_are_delivered() {
    let stream = Stream::fresh();
    let early = queue(&stream, "early@example.com").await;
    let consumer = stream.consumer("a").await;

    consumer.ensure_group().await.unwrap();

    assert_eq!(job_ids(&take(&consumer, 10).await), [early.id]);
}

#[tokio::test]
async fn unacknowledged_work_comes_back_as_own_pending_after_a_restart() {
    let (stream, job) = a_job_taken_by("worker-1").await;

    // The same consumer name after a restart: its pending entries first, nothing new.
    let after = stream.consumer("worker-1").await;
    let mut conn = after.blocking_connection().await.unwrap();
    let pending = after.own_pending(&mut conn, 10).await.unwrap();

    assert_eq!(job_ids(&pending), [job.id]);
    assert!(take(&after, 10).await.is_empty());
}

#[tokio::test]
async fn an_acknowledged_entry_is_no_longer_pending() {
    let stream = Stream::fresh();
    queue(&stream, "ann@example.com").await;
    let consumer = stream.consumer("a").await;
    let delivered = take(&consumer, 10).await;
    assert_eq!(stream.pending().await, 1);

    consumer.ack(&delivered[0].entry_id).await.unwrap();

    assert_eq!(stream.pending().await, 0);
    let mut conn = consumer.blocking_connection().await.unwrap();
    assert!(
        consumer
            .own_pending(&mut conn, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn entries_left_idle_by_a_dead_worker_are_reclaimed_by_another() {
    let (stream, job) = a_job_taken_by("dead").await;
    let alive = stream.consumer("alive").await;

    let (too_soon, _) = alive
        .reclaim_idle("0-0", Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert!(too_soon.is_empty(), "not idle long enough yet");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (reclaimed, _) = alive
        .reclaim_idle("0-0", Duration::from_millis(200), 10)
        .await
        .unwrap();

    assert_eq!(job_ids(&reclaimed), [job.id]);
    assert!(
        alive.touch(&reclaimed[0].entry_id).await.unwrap(),
        "still pending, now ours"
    );
}

#[tokio::test]
async fn the_sent_marker_survives_for_redeliveries() {
    let stream = Stream::fresh();
    let job = queue(&stream, "ann@example.com").await;
    let consumer = stream.consumer("a").await;
    assert!(!consumer.already_sent(&job).await.unwrap());

    consumer.mark_sent(&job).await.unwrap();
    consumer.mark_sent(&job).await.unwrap();

    assert!(consumer.already_sent(&job).await.unwrap());
    let ttl: i64 = stream
        .conn()
        .await
        .ttl(format!("{}:mail:sent:{}", stream.prefix, job.id))
        .await
        .unwrap();
    assert!(ttl > 6 * 24 * 3600, "kept for days: {ttl}");
}

#[tokio::test]
async fn a_dead_letter_keeps_the_job_and_the_reason_and_acknowledges_it() {
    let stream = Stream::fresh();
    let job = queue(&stream, "nobody@example.com").await;
    let consumer = stream.consumer("a").await;
    let delivered = take(&consumer, 10).await;

    consumer
        .dead_letter(&delivered[0], "550 no such user", 1)
        .await
        .unwrap();

    assert_eq!(stream.pending().await, 0);
    let dead = stream.dead_letters().await;
    assert_eq!(dead.len(), 1);
    let entry = &dead[0];
    assert_eq!(entry.get::<String>("id"), Some(job.id.to_string()));
    assert_eq!(
        entry.get::<String>("reason").as_deref(),
        Some("550 no such user")
    );
    assert_eq!(entry.get::<String>("attempts").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_malformed_entry_is_delivered_without_a_job() {
    let stream = Stream::fresh();
    let consumer = stream.consumer("a").await;
    let _: String = stream
        .conn()
        .await
        .xadd(stream_key(&stream.prefix), "*", &[("kind", "spam")])
        .await
        .unwrap();

    let delivered = take(&consumer, 10).await;

    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].job.is_none());
    assert_eq!(
        delivered[0].fields.get("kind").map(String::as_str),
        Some("spam")
    );
}

#[tokio::test]
async fn consumers_of_stopped_workers_are_removed_but_never_one_with_pending_work() {
    let stream = Stream::fresh();
    queue(&stream, "done@example.com").await;
    queue(&stream, "held@example.com").await;
    // "gone" finishes its job (nothing pending); "holding" takes one and never acks it.
    let gone = stream.consumer("gone").await;
    let done = take(&gone, 1).await;
    gone.ack(&done[0].entry_id).await.unwrap();
    assert_eq!(take(&stream.consumer("holding").await, 1).await.len(), 1);
    let me = stream.consumer("me").await;
    // Both idle past the threshold given (the worker uses an hour).
    tokio::time::sleep(Duration::from_millis(60)).await;

    let removed = me
        .remove_dead_consumers(Duration::from_millis(50))
        .await
        .unwrap();

    assert_eq!(removed, 1);
    let names: Vec<String> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(stream_key(&stream.prefix))
        .arg(GROUP)
        .query_async::<Vec<std::collections::HashMap<String, redis::Value>>>(
            &mut stream.conn().await,
        )
        .await
        .unwrap()
        .iter()
        .map(|info| redis::from_redis_value_ref::<String>(&info["name"]).unwrap())
        .collect();
    assert!(!names.contains(&"gone".to_owned()), "{names:?}");
    assert!(
        names.contains(&"holding".to_owned()),
        "its job stays claimed: {names:?}"
    );
    assert_eq!(stream.pending().await, 1);
}

use std::time::Duration;

use folio_shared::{
    queue::{GROUP, MailConsumer, MailJob, MailKind, MailQueue, dead_letter_key},
    test_utils::{RedisPrefix, redis_url},
};
use redis::AsyncCommands;

struct Stream {
    prefix: RedisPrefix,
    queue: MailQueue,
    client: redis::Client,
}

async fn stream() -> Stream {
    let prefix = RedisPrefix::new();
    let manager = folio_shared::redis::connect_lazy(&redis_url().into()).unwrap();
    Stream {
        queue: MailQueue::new(manager, prefix.name()),
        client: redis::Client::open(redis_url()).unwrap(),
        prefix,
    }
}

impl Stream {
    async fn consumer(&self, name: &str) -> MailConsumer {
        let manager = folio_shared::redis::connect_lazy(&redis_url().into()).unwrap();
        let consumer = MailConsumer::new(
            self.client.clone(),
            manager,
            self.prefix.name(),
            name.to_owned(),
        );
        consumer.ensure_group().await.unwrap();
        consumer
    }

    async fn enqueue(&self, to: &str) -> MailJob {
        let job = MailJob::new(
            MailKind::PasswordReset,
            to,
            "ann",
            "http://x/reset-password?token=t",
        );
        self.queue.enqueue(&job).await.unwrap();
        job
    }

    async fn pending_count(&self) -> usize {
        let mut conn = self
            .client
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let reply: redis::streams::StreamPendingReply = conn
            .xpending(format!("{}:mail", self.prefix.name()), GROUP)
            .await
            .unwrap();
        reply.count()
    }
}

#[tokio::test]
async fn creating_the_group_twice_is_fine_and_jobs_queued_before_it_are_delivered() {
    let stream = stream().await;
    let early = stream.enqueue("early@example.com").await;
    let consumer = stream.consumer("a").await;
    consumer.ensure_group().await.unwrap();

    let mut conn = consumer.blocking_connection().await.unwrap();
    let delivered = consumer
        .read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();

    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].job.as_ref().unwrap().id, early.id);
}

#[tokio::test]
async fn unacknowledged_work_comes_back_as_own_pending_after_a_restart() {
    let stream = stream().await;
    let job = stream.enqueue("ann@example.com").await;
    let before = stream.consumer("worker-1").await;
    let mut conn = before.blocking_connection().await.unwrap();
    before
        .read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();

    // The same consumer name after a restart: its pending entries first, nothing new.
    let after = stream.consumer("worker-1").await;
    let mut conn = after.blocking_connection().await.unwrap();
    let pending = after.own_pending(&mut conn, 10).await.unwrap();
    let fresh = after
        .read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();

    assert_eq!(
        pending
            .iter()
            .map(|d| d.job.as_ref().unwrap().id)
            .collect::<Vec<_>>(),
        [job.id]
    );
    assert!(fresh.is_empty());
}

#[tokio::test]
async fn an_acknowledged_entry_is_no_longer_pending() {
    let stream = stream().await;
    stream.enqueue("ann@example.com").await;
    let consumer = stream.consumer("a").await;
    let mut conn = consumer.blocking_connection().await.unwrap();
    let delivered = consumer
        .read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();
    assert_eq!(stream.pending_count().await, 1);

    consumer.ack(&delivered[0].entry_id).await.unwrap();

    assert_eq!(stream.pending_count().await, 0);
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
    let stream = stream().await;
    let job = stream.enqueue("ann@example.com").await;
    let dead = stream.consumer("dead").await;
    let mut conn = dead.blocking_connection().await.unwrap();
    dead.read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();
    let alive = stream.consumer("alive").await;

    assert!(
        alive
            .reclaim_idle("0-0", Duration::from_secs(60), 10)
            .await
            .unwrap()
            .0
            .is_empty(),
        "not idle long enough yet"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (reclaimed, _) = alive
        .reclaim_idle("0-0", Duration::from_millis(200), 10)
        .await
        .unwrap();

    assert_eq!(reclaimed.len(), 1);
    assert_eq!(reclaimed[0].job.as_ref().unwrap().id, job.id);
    assert!(
        alive.touch(&reclaimed[0].entry_id).await.unwrap(),
        "still pending, now ours"
    );
}

#[tokio::test]
async fn the_sent_marker_survives_for_redeliveries() {
    let stream = stream().await;
    let job = stream.enqueue("ann@example.com").await;
    let consumer = stream.consumer("a").await;
    assert!(!consumer.already_sent(&job).await.unwrap());

    consumer.mark_sent(&job).await.unwrap();
    consumer.mark_sent(&job).await.unwrap();

    assert!(consumer.already_sent(&job).await.unwrap());
    let mut conn = stream
        .client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let ttl: i64 = conn
        .ttl(format!("{}:mail:sent:{}", stream.prefix.name(), job.id))
        .await
        .unwrap();
    assert!(ttl > 6 * 24 * 3600, "kept for days: {ttl}");
}

#[tokio::test]
async fn a_dead_letter_keeps_the_job_and_the_reason_and_acknowledges_it() {
    let stream = stream().await;
    let job = stream.enqueue("nobody@example.com").await;
    let consumer = stream.consumer("a").await;
    let mut conn = consumer.blocking_connection().await.unwrap();
    let delivered = consumer
        .read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();

    consumer
        .dead_letter(&delivered[0], "550 no such user", 1)
        .await
        .unwrap();

    assert_eq!(stream.pending_count().await, 0);
    let mut redis = stream
        .client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let dead: redis::streams::StreamRangeReply = redis
        .xrange_all(dead_letter_key(stream.prefix.name()))
        .await
        .unwrap();
    assert_eq!(dead.ids.len(), 1);
    let entry = &dead.ids[0];
    assert_eq!(entry.get::<String>("id"), Some(job.id.to_string()));
    assert_eq!(
        entry.get::<String>("reason").as_deref(),
        Some("550 no such user")
    );
    assert_eq!(entry.get::<String>("attempts").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_malformed_entry_is_delivered_without_a_job() {
    let stream = stream().await;
    let consumer = stream.consumer("a").await;
    let mut redis = stream
        .client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: String = redis
        .xadd(
            format!("{}:mail", stream.prefix.name()),
            "*",
            &[("kind", "spam")],
        )
        .await
        .unwrap();
    let mut conn = consumer.blocking_connection().await.unwrap();

    let delivered = consumer
        .read_new(&mut conn, 10, Duration::from_millis(100))
        .await
        .unwrap();

    assert_eq!(delivered.len(), 1);
    assert!(delivered[0].job.is_none());
    assert_eq!(
        delivered[0].fields.get("kind").map(String::as_str),
        Some("spam")
    );
}

#[tokio::test]
async fn consumers_of_stopped_workers_are_removed_but_never_one_with_pending_work() {
    let stream = stream().await;
    stream.enqueue("done@example.com").await;
    stream.enqueue("held@example.com").await;
    let gone = stream.consumer("gone").await;
    let holding = stream.consumer("holding").await;
    // "gone" finishes its job (nothing pending); "holding" takes one and never acks it.
    let mut conn = gone.blocking_connection().await.unwrap();
    let done = gone
        .read_new(&mut conn, 1, Duration::from_millis(10))
        .await
        .unwrap();
    gone.ack(&done[0].entry_id).await.unwrap();
    let mut other = holding.blocking_connection().await.unwrap();
    let taken = holding
        .read_new(&mut other, 1, Duration::from_millis(10))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let me = stream.consumer("me").await;
    // Both idle past the threshold given (the worker uses an hour).
    tokio::time::sleep(Duration::from_millis(60)).await;

    let removed = me
        .remove_dead_consumers(Duration::from_millis(50))
        .await
        .unwrap();

    assert_eq!(removed, 1);
    let mut admin = stream
        .client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let names: Vec<String> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(format!("{}:mail", stream.prefix.name()))
        .arg(GROUP)
        .query_async::<Vec<std::collections::HashMap<String, redis::Value>>>(&mut admin)
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
    assert_eq!(stream.pending_count().await, 1);
}

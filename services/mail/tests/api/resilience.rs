use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use folio_mail::{config::Settings, startup::Application};
use folio_shared::{
    config::RedisSettings,
    queue::{MailJob, MailKind, MailQueue},
    test_utils::{TestDb, redis_url, test_settings},
};

use crate::helpers::{
    PrivateRedis, SmtpSink, Stream, outbox_row_queued_long_ago, queued_long_ago, spawn_worker,
    worker_settings,
};

async fn enqueue(redis_url: &str, prefix: &str, to: &str) {
    let queue = MailQueue::new(
        folio_shared::redis::connect_lazy(&redis_url.to_owned().into()).unwrap(),
        prefix,
    );
    queue
        .enqueue(&MailJob::new(MailKind::PasswordChanged, to, "Ann", ""))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_worker_survives_a_redis_restart_without_restarting_itself() {
    let sink = SmtpSink::start();
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let worker = spawn_worker(&sink, &[("REDIS_URL", &url)]).await;
    let prefix = worker.redis_key_prefix.clone();
    enqueue(&url, &prefix, "before@example.com").await;
    sink.wait_for(1, Duration::from_secs(10)).await;

    redis.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    redis.resume();
    // A restarted Redis without persistence has lost the stream and the group too.
    enqueue(&url, &prefix, "after@example.com").await;

    let mails = sink.wait_for(2, Duration::from_secs(20)).await;
    assert!(mails[1].contains("X-Envelope-To: after@example.com"));
}

#[tokio::test]
async fn on_shutdown_a_hung_send_is_abandoned_within_the_drain_time_and_left_unacknowledged() {
    // An "SMTP server" that accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port().to_string();
    let _hold = std::thread::spawn(move || {
        let held: Vec<_> = silent.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    let sink = SmtpSink::start();
    let db = TestDb::create().await;
    let mut vars = worker_settings(&sink);
    vars.push(("MAIL_PORT", silent_port));
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let settings: Settings = test_settings(&db, &pairs);
    let stream = Stream::fresh();
    let settings = Settings {
        redis: RedisSettings {
            key_prefix: stream.prefix.clone(),
            ..settings.redis
        },
        ..settings
    };
    let app = Application::build(settings).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while stream.pending().await == 0 {
        assert!(Instant::now() < deadline, "the worker took the job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(9), running)
        .await
        .expect("stopped within the drain time")
        .unwrap()
        .unwrap();

    assert_eq!(
        stream.pending().await,
        1,
        "the unfinished job is not acknowledged"
    );
    assert!(sink.messages().is_empty());
}

/// Whether the worker recorded `job` as settled within a few seconds (it does so right
/// after the SMTP server took the mail).
async fn settled(worker: &crate::helpers::WorkerServer, job: &MailJob) -> bool {
    let pg = worker.pg().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let row = pg
            .query_one(
                "select settled_at is not null from mail_outbox where id = $1",
                &[&job.id],
            )
            .await
            .unwrap();
        if row.get(0) || Instant::now() > deadline {
            return row.get(0);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_queued_job_lost_with_a_restarted_empty_redis_is_queued_again_and_sent_once() {
    let mut sink = SmtpSink::start();
    sink.stop();
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let worker = spawn_worker(&sink, &[("REDIS_URL", &url)]).await;
    let job = MailJob::new(MailKind::PasswordChanged, "lost@example.com", "Ann", "");
    // Queued as auth does (the entry, then the row), long enough ago that once the entry is
    // gone the row is past the sweep's settle grace. The entry's id is as old as the row:
    // an entry newer than its row would look like a lost-and-requeued job to a sweep
    // running before the restart, which would then wait out the grace again.
    queued_long_ago(&url, &worker.redis_key_prefix, &job).await;
    outbox_row_queued_long_ago(&worker, &job).await;

    // SMTP is down, so the job is still unsent when Redis comes back with nothing.
    redis.stop();
    redis.resume();
    sink.resume();

    // The worst case chains a sweep period (10 s), the Redis and SMTP reconnect backoffs
    // (5 s, 10 s) and, under the whole suite through PgBouncer, a loaded machine: seen
    // past 30 s there once. A bound on waiting, not a claim about speed.
    let mails = sink.wait_for(1, Duration::from_secs(60)).await;
    assert!(mails[0].contains("X-Envelope-To: lost@example.com"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.messages().len(), 1, "sent once");
    assert!(settled(&worker, &job).await, "the worker recorded it");
}

#[tokio::test]
async fn a_queued_job_still_waiting_on_the_stream_is_not_queued_again() {
    let mut sink = SmtpSink::start();
    sink.stop();
    let worker = spawn_worker(&sink, &[]).await;
    let stream = Stream::of(&worker);
    let job = MailJob::new(MailKind::PasswordChanged, "waiting@example.com", "Ann", "");
    queued_long_ago(&redis_url(), &stream.prefix, &job).await;
    outbox_row_queued_long_ago(&worker, &job).await;

    // Past the sweep at start-up and the next one (every 10 s).
    tokio::time::sleep(folio_mail::sweep::SWEEP_EVERY + Duration::from_secs(2)).await;
    let entries: usize = redis::cmd("XLEN")
        .arg(folio_shared::queue::stream_key(&stream.prefix))
        .query_async(&mut stream.conn().await)
        .await
        .unwrap();
    assert_eq!(entries, 1, "not queued a second time");
    sink.resume();

    sink.wait_for(1, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.messages().len(), 1);
    assert!(settled(&worker, &job).await);
}

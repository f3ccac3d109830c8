//! A wake while a dependency is down loses nothing: Redis down, the mail goes out from
//! the outbox once Redis is back; SMTP down, the mail stays pending and the next wake
//! sends it once.

use std::time::Duration;

use folio_shared::queue::{MailJob, MailKind};

use crate::helpers::{
    PrivateRedis, SmtpSink, leave_in_outbox, spawn_app_with_smtp_down, spawn_worker, until_quiet,
    wake,
};

#[tokio::test]
async fn with_redis_down_at_wake_time_the_mail_goes_out_from_the_outbox_once_redis_is_back() {
    let sink = SmtpSink::start();
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    redis.stop();
    // Long enough for a sweep (every 10 s) after Redis returns.
    let worker = spawn_worker(&sink, &[("REDIS_URL", &url), ("MAIL_ACTIVE_SECONDS", "20")]).await;
    // What auth leaves when Redis is down: a committed outbox row, older than the
    // sweep's grace period.
    let job = MailJob::new(MailKind::PasswordChanged, "ann@example.com", "Ann", "");
    leave_in_outbox(&worker, &job).await;

    wake(&worker).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.resume();

    // A sweep period plus the Redis reconnect backoff (at most 5 s), with room to spare:
    // a bound on waiting, not a claim about speed.
    let mail = sink.wait_for(1, Duration::from_secs(30)).await.remove(0);
    assert!(mail.contains(&format!("Message-ID: <{}@folio>", job.id)));
}

#[tokio::test]
async fn with_smtp_down_a_woken_mail_stays_pending_and_the_next_wake_sends_it_once() {
    let mut app = spawn_app_with_smtp_down(&[("MAIL_ACTIVE_SECONDS", "2")]).await;
    app.enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    wake(&app.worker).await;

    // Retrying an unreachable server keeps no window open: the worker goes quiet, the
    // entry still pending under its name.
    until_quiet(2).await;
    assert_eq!(app.stream.pending().await, 1, "held, not acknowledged");
    app.sink.resume();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        app.sink.messages().is_empty(),
        "a quiet worker retries nothing"
    );

    wake(&app.worker).await;

    app.assert_delivered_once_despite_the_outage().await;
}

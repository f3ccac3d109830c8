//! The worker driven one step at a time ([`Worker::try_one`]), without a server around it
//! nor waiting for time to pass.

use std::time::Duration;

use folio_mail::{
    activity::Activity,
    handling::Handled,
    message::Templates,
    outbox::Outbox,
    smtp::Mailer,
    worker::{Step, Worker},
};
use folio_shared::{
    db::Db,
    queue::{JobCipher, MailConsumer, MailKind},
    server::{App, BoundListener, ShutdownSignal},
    test_utils::{TestDb, test_settings},
};
use poem::{EndpointExt, Route};

use crate::helpers::{JOB_KEY, SmtpSink, Stream, worker_settings};

/// A worker on `stream`, sending to `sink`, reaching Redis at `redis_url`, and the
/// database of its outbox.
async fn worker(
    sink: &SmtpSink,
    stream: &Stream,
    redis_url: &str,
    activity: Activity,
) -> (Worker, TestDb) {
    let db = TestDb::create().await;
    let mut vars = worker_settings(sink);
    vars.push(("REDIS_URL", redis_url.to_owned()));
    vars.push(("REDIS_KEY_PREFIX", stream.prefix.clone()));
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let settings = test_settings(&db, &pairs);
    let (client, redis) = folio_shared::redis::from_settings(&settings).unwrap();
    let templates = Templates::new(
        &settings.mail.from,
        &settings.frontend_url,
        settings.reset_token_expire_minutes,
        JobCipher::from_keys(&JOB_KEY).unwrap(),
    )
    .unwrap();
    let worker = Worker::new(
        MailConsumer::new(client, redis, &stream.prefix, "stepper".to_owned()),
        Outbox::new(Db::from_settings(&settings).unwrap()),
        Mailer::from_settings(&settings.mail).unwrap(),
        templates,
        settings.mail.max_attempts,
        Duration::from_secs(settings.mail.reclaim_idle_secs),
        activity,
    );
    (worker, db)
}

/// A shutdown signal that does not fire while the returned app lives (never run).
async fn no_shutdown() -> (App, ShutdownSignal) {
    let listener = BoundListener::bind(0).await.unwrap();
    let mut app = App::new(listener, Route::new().boxed());
    let (give, take) = std::sync::mpsc::channel();
    app.spawn_worker(move |signal| {
        give.send(signal).unwrap();
        async {}
    });
    let signal = take.recv().unwrap();
    (app, signal)
}

#[tokio::test]
async fn a_worker_outside_its_window_steps_quiet_without_a_word_to_redis() {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    // Nothing listens there: any Redis command would fail.
    let dead_redis = "redis://127.0.0.1:1";
    let activity = Activity::closed_until_woken(Duration::from_secs(60));
    let (mut worker, _db) = worker(&sink, &stream, dead_redis, activity.clone()).await;
    let (_app, mut shutdown) = no_shutdown().await;

    assert_eq!(worker.try_one(&mut shutdown).await.unwrap(), Step::Quiet);

    activity.extend();
    assert!(
        worker.try_one(&mut shutdown).await.is_err(),
        "woken, it asks Redis"
    );
}

#[tokio::test]
async fn a_woken_worker_looks_for_stale_entries_then_reads_and_sends_the_queued_mail() {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    let activity = Activity::closed_until_woken(Duration::from_secs(60));
    let url = folio_shared::test_utils::redis_url();
    let (mut worker, _db) = worker(&sink, &stream, &url, activity.clone()).await;
    let (_app, mut shutdown) = no_shutdown().await;
    stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    assert_eq!(worker.try_one(&mut shutdown).await.unwrap(), Step::Quiet);

    activity.extend();
    let mut steps = Vec::new();
    for _ in 0..3 {
        steps.push(worker.try_one(&mut shutdown).await.unwrap());
    }

    assert_eq!(
        steps,
        [
            Step::Reclaimed(0),
            Step::Read(1),
            Step::Handled(Handled::Sent)
        ]
    );
    sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(stream.pending().await, 0, "acknowledged");
}

//! The worker driven one step at a time ([`folio_mail::worker::Worker::try_one`]), without
//! a server around it nor waiting for time to pass.

use std::time::Duration;

use folio_mail::{activity::Activity, handling::Handled, worker::Step};
use folio_shared::queue::MailKind;

use crate::{
    helpers::{SmtpSink, Stream},
    stepping::SteppedWorker,
};

#[tokio::test]
async fn a_worker_outside_its_window_steps_quiet_without_a_word_to_redis() {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    // Nothing listens there: any Redis command would fail.
    let dead_redis = "redis://127.0.0.1:1";
    let activity = Activity::closed_until_woken(Duration::from_secs(60));
    let mut worker = SteppedWorker::new(&sink, &stream, dead_redis, activity.clone()).await;

    assert_eq!(worker.step().await, Step::Quiet);

    activity.extend();
    assert!(worker.try_step().await.is_err(), "woken, it asks Redis");
}

#[tokio::test]
async fn a_woken_worker_looks_for_stale_entries_then_reads_and_sends_the_queued_mail() {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    let activity = Activity::closed_until_woken(Duration::from_secs(60));
    let url = folio_shared::test_utils::redis_url();
    let mut worker = SteppedWorker::new(&sink, &stream, &url, activity.clone()).await;
    stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;
    assert_eq!(worker.step().await, Step::Quiet);

    activity.extend();
    let steps = worker.steps(3).await;

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

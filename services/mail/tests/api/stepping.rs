//! A worker driven one step at a time ([`Worker::try_one`]): no server around it, no
//! waiting for time to pass, each step's outcome there to check.

use std::time::Duration;

use folio_mail::{
    activity::Activity,
    config::Settings,
    consumer::MailConsumer,
    handling::Handled,
    message::Templates,
    outbox::Outbox,
    smtp::Mailer,
    worker::{Step, Worker},
};
use folio_shared::{
    db::Db,
    queue::{JobCipher, MailJob, MailKind},
    server::{App, BoundListener, ShutdownSignal},
    test_utils::{TestDb, redis_url, test_settings},
};
use poem::{EndpointExt, Route};

use crate::helpers::{JOB_KEY, SmtpSink, Stream, worker_settings};

/// A worker on a stream, sending to a sink, with the database of its outbox.
pub struct SteppedWorker {
    pub worker: Worker,
    shutdown: ShutdownSignal,
    /// Holds the shutdown signal unfired while the worker lives (never run).
    _app: App,
    _db: TestDb,
}

impl SteppedWorker {
    /// A worker on `stream`, sending to `sink`, reaching Redis at `redis_url`, working
    /// while `activity` is open.
    pub async fn new(
        sink: &SmtpSink,
        stream: &Stream,
        redis_url: &str,
        activity: Activity,
    ) -> Self {
        let db = TestDb::create().await;
        let mut vars = worker_settings(sink);
        vars.push(("REDIS_URL", redis_url.to_owned()));
        vars.push(("REDIS_KEY_PREFIX", stream.prefix.clone()));
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let settings: Settings = test_settings(&db, &pairs);
        let (client, redis) = folio_shared::redis::from_settings(&settings.redis).unwrap();
        let templates = Templates::new(
            &settings.mail.from,
            &settings.frontend_url,
            settings.mail_job.reset_token_expire_minutes,
            JobCipher::from_keys(&JOB_KEY).unwrap(),
        )
        .unwrap();
        let worker = Worker::new(
            MailConsumer::new(client, redis, &stream.prefix, "stepper".to_owned()),
            Outbox::new(Db::from_settings(&settings.database).unwrap()),
            Mailer::from_settings(&settings.mail).unwrap(),
            templates,
            settings.mail.max_attempts,
            Duration::from_secs(settings.mail.reclaim_idle_secs),
            activity,
        );
        let (app, shutdown) = no_shutdown().await;
        Self {
            worker,
            shutdown,
            _app: app,
            _db: db,
        }
    }

    /// A worker on `stream` and the shared Redis, its window open.
    pub async fn active(sink: &SmtpSink, stream: &Stream) -> Self {
        let activity = Activity::closed_until_woken(Duration::from_secs(60));
        activity.extend();
        Self::new(sink, stream, &redis_url(), activity).await
    }

    /// One step, which must not fail.
    pub async fn step(&mut self) -> Step {
        self.try_step().await.unwrap()
    }

    /// One step, as [`Worker::try_one`] answers it.
    pub async fn try_step(&mut self) -> redis::RedisResult<Step> {
        self.worker.try_one(&mut self.shutdown).await
    }

    /// The next `n` steps.
    pub async fn steps(&mut self, n: usize) -> Vec<Step> {
        let mut steps = Vec::with_capacity(n);
        for _ in 0..n {
            steps.push(self.step().await);
        }
        steps
    }
}

impl SteppedWorker {
    /// Steps through what a woken worker does with one queued entry: a look for stale
    /// entries, the read, then the delivery; what became of it.
    pub async fn read_and_handle_one(&mut self) -> Handled {
        assert_eq!(self.step().await, Step::Reclaimed(0), "first a reclaim");
        assert_eq!(self.step().await, Step::Read(1), "then the entry");
        match self.step().await {
            Step::Handled(handled) => handled,
            other => panic!("not handled: {other:?}"),
        }
    }
}

/// An active stepped worker on a fresh stream, sending to a sink of its own.
pub struct StepApp {
    pub worker: SteppedWorker,
    pub stream: Stream,
    pub sink: SmtpSink,
}

impl StepApp {
    /// Queues a `kind` mail to `to` (an address the sink rejects, or one to defer), has
    /// the worker handle it, and checks it went to the dead letters: the job and the one
    /// dead letter.
    pub async fn dead_letter_of(
        &mut self,
        kind: MailKind,
        to: &str,
    ) -> (MailJob, redis::streams::StreamId) {
        let job = self.stream.enqueue(kind, to).await;
        assert_eq!(
            self.worker.read_and_handle_one().await,
            Handled::DeadLettered
        );
        let mut dead = self.stream.dead_letters().await;
        assert_eq!(dead.len(), 1, "one dead letter");
        (job, dead.remove(0))
    }
}

/// See [`StepApp`].
pub async fn step_app() -> StepApp {
    let sink = SmtpSink::start();
    let stream = Stream::fresh();
    StepApp {
        worker: SteppedWorker::active(&sink, &stream).await,
        stream,
        sink,
    }
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

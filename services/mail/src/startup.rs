//! Builds the mail worker from [`Settings`]: a small HTTP server for `/health` (Redis and
//! database), `/livez` and the wake (`POST /internal/wake`), plus `MAIL_CONCURRENCY`
//! consumer loops and the outbox sweep as background workers that stop with it, all
//! working only inside the active window a start or a wake opens ([`Activity`]). Each
//! loop is a consumer of its own in the group, so the stream hands each entry to one of
//! them, and their SMTP connections come from one pool: one slow server round trip no
//! longer holds up every other mail.

use std::{sync::Arc, time::Duration};

use folio_shared::{
    db::Db,
    health::{DatabaseProbe, HealthApi, RedisProbe, with_docs},
    http::{ApiDocs, HttpOptions, wrap_api},
    queue::{JobCipher, MailQueue},
    server::{App, BoundListener, OpenApiDocument, openapi_spec},
};
use poem::EndpointExt;
use poem_openapi::OpenApiService;

use crate::{
    activity::Activity, config::Settings, consumer::MailConsumer, message::Templates,
    outbox::Outbox, smtp::Mailer, sweep::OutboxSweep, wake::WakeApi, worker::Worker,
};

/// The endpoints: one type for serving them (`build`) and describing them (`openapi`;
/// the wake is hidden from it).
type Endpoints = (HealthApi, WakeApi);
const TITLE: &str = "Folio mail worker";

/// Builds the mail worker.
pub struct Application;

impl Application {
    /// The document served at `/openapi.json`, from the endpoints' types alone (the
    /// `openapi` subcommand: no settings, nothing connected).
    pub fn openapi() -> OpenApiDocument {
        openapi_spec::<Endpoints>(TITLE, env!("CARGO_PKG_VERSION"), &ApiDocs::default())
    }

    /// Validates settings, prepares Redis, the database and SMTP (lazily: none needs to
    /// be up yet), starts the workers and binds `PORT`.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        let db = Db::from_settings(&settings.database)?;
        let (client, redis) = folio_shared::redis::from_settings(&settings.redis)?;
        let templates = Templates::new(
            &settings.mail.from,
            &settings.frontend_url,
            settings.mail_job.reset_token_expire_minutes,
            JobCipher::from_settings(&settings.mail_job, &settings.jwt, settings.process.app_env)?,
        )?;
        let mailer = Mailer::from_settings(&settings.mail)?;
        let wake_token = settings.mail_wake.token()?;
        // A start opens a window: an instance starts because of a wake or the scheduler.
        let activity = Activity::from_settings(&settings.window);
        let process = consumer_name();
        let workers: Vec<Worker> = (0..settings.mail.concurrency)
            .map(|i| {
                let consumer = MailConsumer::new(
                    client.clone(),
                    redis.clone(),
                    &settings.redis.key_prefix,
                    format!("{process}-{i}"),
                );
                Worker::new(
                    consumer,
                    Outbox::new(db.clone()),
                    mailer.clone(),
                    templates.clone(),
                    settings.mail.max_attempts,
                    Duration::from_secs(settings.mail.reclaim_idle_secs),
                    activity.clone(),
                )
            })
            .collect();
        let sweep = OutboxSweep::new(
            db.clone(),
            MailQueue::new(redis.clone(), &settings.redis.key_prefix),
        );
        let api: OpenApiService<Endpoints, ()> = OpenApiService::new(
            (
                HealthApi::new(vec![
                    Arc::new(RedisProbe(redis)),
                    Arc::new(DatabaseProbe(db.clone())),
                ])
                .counting(db),
                WakeApi::new(activity.clone(), &wake_token),
            ),
            TITLE,
            env!("CARGO_PKG_VERSION"),
        );
        let routes = wrap_api(
            with_docs(api, ApiDocs::default()),
            HttpOptions::json_api(Vec::new()),
        );
        let listener = BoundListener::bind(settings.process.port).await?;
        let mut app = App::new(listener, routes.boxed());
        for worker in workers {
            app.spawn_worker(|shutdown| worker.run(shutdown));
        }
        app.spawn_worker(|shutdown| sweep.run(activity, shutdown));
        Ok(app)
    }
}

/// Unique per process, readable in `XINFO CONSUMERS`: host, pid and a random suffix (a
/// restarted container may reuse both host name and pid).
fn consumer_name() -> String {
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()))
        .unwrap_or_else(|_| "worker".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &suffix[..8])
}

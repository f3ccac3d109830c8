use std::time::Duration;

use folio_shared::queue::{MailKind, stream_key};
use redis::AsyncCommands;
use serde_json::{Value, json};

use folio_mail::{handling::Handled, worker::Step};

use crate::{
    helpers::{SmtpSink, spawn_app, spawn_worker},
    stepping::step_app,
};

#[tokio::test]
async fn a_permanently_rejected_recipient_goes_to_the_dead_letters_after_one_try() {
    let mut app = step_app().await;

    let (job, dead) = app
        .dead_letter_of(MailKind::PasswordChanged, "reject-me@example.com")
        .await;

    assert_eq!(dead.get::<String>("id"), Some(job.id.to_string()));
    assert_eq!(
        dead.get::<String>("attempts").as_deref(),
        Some("1"),
        "no retry storm"
    );
    assert!(dead.get::<String>("reason").unwrap().contains("550"));
    assert_eq!(app.stream.pending().await, 0);
    assert_eq!(app.worker.step().await, Step::Read(0), "nothing comes back");
    assert_eq!(app.stream.dead_letters().await.len(), 1);
    assert!(app.sink.messages().is_empty());
}

#[tokio::test]
async fn a_deferred_mail_is_retried_then_dead_lettered_after_max_attempts() {
    let app = spawn_app(&[("MAIL_MAX_ATTEMPTS", "2")]).await;
    let stream = &app.stream;

    app.enqueue(MailKind::PasswordChanged, "defer-me@example.com")
        .await;

    let dead = stream.wait_for_dead_letters(1).await;
    assert_eq!(dead[0].get::<String>("attempts").as_deref(), Some("2"));
    assert!(dead[0].get::<String>("reason").unwrap().contains("451"));
    stream.wait_until_settled(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_malformed_entry_is_dead_lettered_and_the_next_job_still_sent() {
    let mut app = step_app().await;
    let _: String = app
        .stream
        .conn()
        .await
        .xadd(
            stream_key(&app.stream.prefix),
            "*",
            &[("kind", "spam"), ("to", "x@example.com")],
        )
        .await
        .unwrap();

    app.stream
        .enqueue(MailKind::PasswordChanged, "ann@example.com")
        .await;

    assert_eq!(
        app.worker.steps(4).await,
        [
            Step::Reclaimed(0),
            Step::Read(2),
            Step::Handled(Handled::DeadLettered),
            Step::Handled(Handled::Sent)
        ]
    );
    app.sink.wait_for(1, Duration::from_secs(10)).await;
    let dead = app.stream.dead_letters().await;
    assert_eq!(
        dead[0].get::<String>("reason").as_deref(),
        Some("malformed job")
    );
}

#[tokio::test]
async fn health_checks_redis_and_the_database() {
    let sink = SmtpSink::start();
    let healthy = spawn_worker(&sink, &[]).await;
    let no_redis = spawn_worker(&sink, &[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let no_db = spawn_worker(
        &sink,
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")],
    )
    .await;

    let status = |server: &crate::helpers::WorkerServer| {
        let (client, url) = (server.client.clone(), server.url("/health"));
        async move {
            let response = client.get(url).send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    assert_eq!(status(&healthy).await, (200, json!({"status": "healthy"})));
    assert_eq!(
        status(&no_redis).await,
        (503, json!({"detail": "Redis unavailable"}))
    );
    assert_eq!(
        status(&no_db).await,
        (503, json!({"detail": "Database unavailable"}))
    );
    let live = healthy
        .client
        .get(no_redis.url("/livez"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status().as_u16(), 200);
}

use std::time::Duration;

use crate::helpers::WorkerServer;
use reqwest::StatusCode;

use crate::{
    auth_app::{AuthApp, PASSWORD, spawn_auth},
    helpers::{SmtpSink, Stream, spawn_worker},
};

/// The reset link of a mail (from its plain-text part).
fn reset_link(mail: &str) -> String {
    mail.lines()
        .map(str::trim)
        .find(|l| l.starts_with("http://localhost:8000/reset-password?token="))
        .expect("a reset link in the plain-text part")
        .to_owned()
}

/// Auth and a worker on one database and stream.
async fn auth_with_worker(
    sink: &SmtpSink,
    auth_overrides: &[(&str, &str)],
) -> (AuthApp, WorkerServer) {
    let auth = spawn_auth(auth_overrides).await;
    let db_url = auth.database_url();
    let prefix = auth.redis_key_prefix.clone();
    let worker = spawn_worker(
        sink,
        &[("DATABASE_URL", &db_url), ("REDIS_KEY_PREFIX", &prefix)],
    )
    .await;
    (auth, worker)
}

#[tokio::test]
async fn forgot_password_mails_a_link_that_resets_the_password_and_the_change_is_mailed() {
    let sink = SmtpSink::start();
    let (auth, _worker) = auth_with_worker(&sink, &[]).await;
    auth.register("ann").await;

    auth.forgot_password("ann").await;

    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
    assert!(mail.contains("X-Envelope-To: ann@example.com"));
    assert!(mail.contains("Subject: Reset your Folio password"));
    assert!(mail.contains("From: Folio <noreply@folio.test>"));
    assert!(mail.contains("expires in 60 minutes"));
    let link = reset_link(&mail);
    let token = link.split("token=").nth(1).unwrap();
    assert_eq!(
        auth.reset_password(token, "a new password").await,
        StatusCode::OK
    );
    let login = |password| auth.login("ann", password);
    assert_eq!(login("a new password").await.status(), StatusCode::OK);
    assert_eq!(login(PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let changed = sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
    assert!(changed.contains("Subject: Your Folio password was changed"));
}

#[tokio::test]
async fn a_reset_requested_while_redis_was_down_is_mailed_by_the_outbox_sweep() {
    let sink = SmtpSink::start();
    let (auth, worker) = {
        let auth = spawn_auth(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
        auth.register("ann").await;
        auth.forgot_password("ann").await;
        // Stranded for longer than the sweep's 30 s grace period.
        auth.pg()
            .await
            .execute(
                "update mail_outbox set created_at = now() - interval '1 minute'",
                &[],
            )
            .await
            .unwrap();
        let db_url = auth.database_url();
        let worker = spawn_worker(&sink, &[("DATABASE_URL", &db_url)]).await;
        (auth, worker)
    };

    let mail = sink.wait_for(1, Duration::from_secs(15)).await.remove(0);

    assert!(reset_link(&mail).contains("token="));
    let queued: i64 = auth
        .pg()
        .await
        .query_one(
            "select count(*) from mail_outbox where queued_at is not null",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(queued, 1);
    drop(worker);
}

/// Every value of every entry of `stream`, as Redis holds them.
async fn raw_stream_values(stream: &Stream) -> Vec<String> {
    let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(folio_shared::queue::stream_key(&stream.prefix))
        .arg("-")
        .arg("+")
        .query_async(&mut stream.conn().await)
        .await
        .unwrap();
    entries
        .ids
        .into_iter()
        .flat_map(|entry| entry.map.into_values())
        .map(|value| redis::from_redis_value::<String>(value).unwrap())
        .collect()
}

#[tokio::test]
async fn the_reset_link_rests_sealed_in_the_outbox_and_the_stream_and_arrives_in_clear() {
    let sink = SmtpSink::start();
    let auth = spawn_auth(&[]).await;
    auth.register("ann").await;
    auth.forgot_password("ann").await;
    let stream = Stream::of(&auth);
    // Queued in the background: wait for the entry, before any worker takes it.
    let mut at_rest = Vec::new();
    for _ in 0..100 {
        at_rest = raw_stream_values(&stream).await;
        if !at_rest.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!at_rest.is_empty(), "the job reached the stream");
    let payload: String = auth
        .pg()
        .await
        .query_one("select payload::text from mail_outbox", &[])
        .await
        .unwrap()
        .get(0);
    at_rest.push(payload);

    let db_url = auth.database_url();
    let prefix = auth.redis_key_prefix.clone();
    let _worker = spawn_worker(
        &sink,
        &[("DATABASE_URL", &db_url), ("REDIS_KEY_PREFIX", &prefix)],
    )
    .await;
    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);

    let link = reset_link(&mail);
    let token = link.split("token=").nth(1).unwrap();
    for value in &at_rest {
        assert!(!value.contains(token), "the token rests in clear: {value}");
        assert!(
            !value.contains("reset-password"),
            "the link rests in clear: {value}"
        );
    }
    assert_eq!(
        auth.reset_password(token, "a new password").await,
        StatusCode::OK,
        "the mailed link works"
    );
}

#[tokio::test]
async fn an_email_change_is_mailed_to_the_old_address_only() {
    let sink = SmtpSink::start();
    let (auth, _worker) = auth_with_worker(&sink, &[]).await;
    auth.register("ann").await;
    let changed = auth.change_email("ann", "new@example.com").await;

    assert_eq!(changed, StatusCode::OK);
    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
    assert!(mail.contains("X-Envelope-To: ann@example.com"), "{mail}");
    assert!(mail.contains("Subject: Your Folio email address was changed"));
    assert!(
        !mail.contains("new@example.com"),
        "nothing about the new address"
    );
}

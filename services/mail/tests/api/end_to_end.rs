use std::time::Duration;

use folio_shared::test_utils::TestServer;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{SmtpSink, spawn_worker};

const PASSWORD: &str = "correct horse battery";

/// The reset link of a mail (from its plain-text part).
fn reset_link(mail: &str) -> String {
    mail.lines()
        .map(str::trim)
        .find(|l| l.starts_with("http://localhost:8000/reset-password?token="))
        .expect("a reset link in the plain-text part")
        .to_owned()
}

async fn auth_with_worker(
    sink: &SmtpSink,
    auth_overrides: &[(&str, &str)],
) -> (TestServer, TestServer) {
    let auth = TestServer::spawn(auth_overrides, folio_auth::startup::Application::build).await;
    let db_url = auth.database_url();
    let prefix = auth.settings.redis_key_prefix.clone();
    let worker = spawn_worker(
        sink,
        &[("DATABASE_URL", &db_url), ("REDIS_KEY_PREFIX", &prefix)],
    )
    .await;
    (auth, worker)
}

async fn register(auth: &TestServer) {
    let created = auth
        .client
        .post(auth.url("/api/users"))
        .json(&json!({"username": "ann", "email": "ann@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
}

async fn login(auth: &TestServer, password: &str) -> StatusCode {
    auth.client
        .post(auth.url("/api/users/token"))
        .form(&[("username", "ann@example.com"), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn forgot(auth: &TestServer) {
    let response = auth
        .client
        .post(auth.url("/api/users/forgot-password"))
        .json(&json!({"email": "ann@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn forgot_password_mails_a_link_that_resets_the_password_and_the_change_is_mailed() {
    let sink = SmtpSink::start();
    let (auth, _worker) = auth_with_worker(&sink, &[]).await;
    register(&auth).await;

    forgot(&auth).await;

    let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
    assert!(mail.contains("X-Envelope-To: ann@example.com"));
    assert!(mail.contains("Subject: Reset your Folio password"));
    assert!(mail.contains("From: Folio <noreply@folio.test>"));
    assert!(mail.contains("expires in 60 minutes"));
    let link = reset_link(&mail);
    let token = link.split("token=").nth(1).unwrap();
    let reset = auth
        .client
        .post(auth.url("/api/users/reset-password"))
        .json(&json!({"token": token, "new_password": "a new password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(login(&auth, "a new password").await, StatusCode::OK);
    assert_eq!(login(&auth, PASSWORD).await, StatusCode::UNAUTHORIZED);
    let changed = sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
    assert!(changed.contains("Subject: Your Folio password was changed"));
}

#[tokio::test]
async fn a_reset_requested_while_redis_was_down_is_mailed_by_the_outbox_sweep() {
    let sink = SmtpSink::start();
    let (auth, worker) = {
        let auth = TestServer::spawn(
            &[("REDIS_URL", "redis://127.0.0.1:1")],
            folio_auth::startup::Application::build,
        )
        .await;
        register(&auth).await;
        forgot(&auth).await;
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

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, TestApp, assert_detail, assert_invalid, spawn_app, spawn_app_with};

// The FastAPI blog's exact texts: its frontends show them.
const FORGOT_MESSAGE: &str =
    "If an account exists with this email, you will receive password reset instructions.";
const RESET_MESSAGE: &str =
    "Password reset successfully. You can now log in with your new password.";

async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.send_json(
        Method::POST,
        "/api/users/forgot-password",
        None,
        json!({"email": email}),
    )
    .await
}

async fn reset(app: &TestApp, token: &str, new_password: &str) -> reqwest::Response {
    app.send_json(
        Method::POST,
        "/api/users/reset-password",
        None,
        json!({"token": token, "new_password": new_password}),
    )
    .await
}

/// The token in the link of the newest reset mail on the stream.
async fn mailed_token(app: &TestApp) -> String {
    let jobs = app.mail_jobs().await;
    let link = &jobs.last().expect("a mail job was queued")["link"];
    link.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn the_reset_link_is_sealed_in_the_outbox_row_and_the_stream_entry() {
    let app = spawn_app().await;
    app.user("ann").await;

    forgot(&app, "ann@example.com").await;

    let token = mailed_token(&app).await;
    let raw = app.raw_mail_jobs().await;
    let payload: String = app
        .pg()
        .await
        .query_one("select payload::text from mail_outbox", &[])
        .await
        .unwrap()
        .get(0);
    let at_rest: Vec<&String> = raw[0].values().chain([&payload]).collect();
    for value in at_rest {
        assert!(!value.contains(&token), "the token rests in clear: {value}");
        assert!(
            !value.contains("reset-password"),
            "the link rests in clear: {value}"
        );
    }
    assert!(raw[0]["link"].starts_with("v1."), "{}", raw[0]["link"]);
}

#[tokio::test]
async fn forgot_password_queues_a_reset_mail_with_a_working_link() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = forgot(&app, "ANN@example.com").await;

    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"message": FORGOT_MESSAGE})
    );
    let jobs = app.mail_jobs().await;
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job["kind"], "password_reset");
    assert_eq!(job["to"], ann.email);
    assert_eq!(job["username"], "ann");
    assert!(
        job["link"].starts_with("http://localhost:8000/reset-password?token="),
        "{}",
        job["link"]
    );
    for field in ["id", "traceparent", "enqueued_at"] {
        assert!(!job[field].is_empty(), "{field} is set");
    }
    assert_eq!(
        app.count("select count(*) from mail_outbox where queued_at is not null")
            .await,
        1
    );

    let token = mailed_token(&app).await;
    let stored: String = app
        .pg()
        .await
        .query_one("select token_hash from password_reset_tokens", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        stored,
        hex::encode(Sha256::digest(token.as_bytes())),
        "only the hash is stored"
    );

    let done = reset(&app, &token, "my new password").await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        done.json::<Value>().await.unwrap(),
        json!({"message": RESET_MESSAGE})
    );
    assert_eq!(
        app.login(&ann.email, "my new password").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login(&ann.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_detail(
        app.get("/api/users/me", Some(&ann.token)).await,
        StatusCode::UNAUTHORIZED,
        "Could not validate credentials",
    )
    .await;
    let kinds: Vec<String> = app
        .mail_jobs()
        .await
        .iter()
        .map(|j| j["kind"].clone())
        .collect();
    assert_eq!(kinds, ["password_reset", "password_changed"]);
}

#[tokio::test]
async fn the_mail_job_continues_the_trace_of_the_request() {
    let app = spawn_app().await;
    app.user("ann").await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

    app.client
        .post(app.url("/api/users/forgot-password"))
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&json!({"email": "ann@example.com"}))
        .send()
        .await
        .unwrap();

    let traceparent = app.mail_jobs().await[0]["traceparent"].clone();
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!(parts[1], trace_id, "same trace");
    assert_ne!(parts[2], "00f067aa0ba902b7", "a span of our own within it");
}

#[tokio::test]
async fn forgot_password_for_an_unknown_email_answers_the_same_and_queues_nothing() {
    let app = spawn_app().await;

    let response = forgot(&app, "nobody@example.com").await;

    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"message": FORGOT_MESSAGE})
    );
    assert!(app.mail_jobs().await.is_empty());
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        0
    );
}

#[tokio::test]
async fn forgot_password_with_a_malformed_email_is_422() {
    let app = spawn_app().await;

    assert_invalid(
        forgot(&app, "not-an-email").await,
        &["body", "email"],
        "value is not a valid email address: An email address must have an @-sign.",
    )
    .await;
}

#[tokio::test]
async fn a_reset_token_works_once_even_under_six_concurrent_attempts() {
    let app = spawn_app_with(&[("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", "50")]).await;
    app.user("ann").await;
    forgot(&app, "ann@example.com").await;
    let token = mailed_token(&app).await;

    let attempts = (0..6).map(|i| {
        let (app, token) = (&app, token.clone());
        async move { reset(app, &token, &format!("new password {i}")).await }
    });
    let responses = futures_util::future::join_all(attempts).await;

    let mut succeeded = 0;
    for response in responses {
        if response.status() == StatusCode::OK {
            succeeded += 1;
        } else {
            assert_detail(
                response,
                StatusCode::BAD_REQUEST,
                "Invalid or expired reset token",
            )
            .await;
        }
    }
    assert_eq!(succeeded, 1);
    assert_eq!(
        app.count("select token_version::int8 from users").await,
        1,
        "one password change"
    );
}

#[tokio::test]
async fn an_expired_token_is_400_and_is_consumed() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let token = "expired-token-value";
    app.pg()
        .await
        .execute(
            "insert into password_reset_tokens (user_id, token_hash, expires_at) values ($1, $2, now() - interval '1 minute')",
            &[&ann.id, &hex::encode(Sha256::digest(token.as_bytes()))],
        )
        .await
        .unwrap();

    assert_detail(
        reset(&app, token, "my new password").await,
        StatusCode::BAD_REQUEST,
        "Invalid or expired reset token",
    )
    .await;
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        0
    );
    assert_eq!(
        app.login(&ann.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unknown_token_is_400_and_a_short_password_422() {
    let app = spawn_app().await;

    assert_detail(
        reset(&app, "made-up", "my new password").await,
        StatusCode::BAD_REQUEST,
        "Invalid or expired reset token",
    )
    .await;
    assert_invalid(
        reset(&app, "made-up", "short").await,
        &["body", "new_password"],
        "String should have at least 8 characters",
    )
    .await;
}

#[tokio::test]
async fn a_new_forgot_password_request_voids_the_earlier_link_at_once() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    forgot(&app, "ann@example.com").await;
    let first = mailed_token(&app).await;
    forgot(&app, "ann@example.com").await;
    let second = mailed_token(&app).await;

    assert_detail(
        reset(&app, &first, "another password").await,
        StatusCode::BAD_REQUEST,
        "Invalid or expired reset token",
    )
    .await;
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        1,
        "only the newest link is stored"
    );
    assert_eq!(
        reset(&app, &second, "my new password").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login(&ann.email, "my new password").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn forgot_password_purges_expired_tokens_of_every_user_and_keeps_others_live_ones() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let pg = app.pg().await;
    for (user, token, expires) in [
        (ann.id, "ann-expired", "now() - interval '1 minute'"),
        (bob.id, "bob-expired", "now() - interval '2 hours'"),
        (bob.id, "bob-live", "now() + interval '1 hour'"),
    ] {
        pg.execute(
            &format!(
                "insert into password_reset_tokens (user_id, token_hash, expires_at) values ($1, $2, {expires})"
            ),
            &[&user, &hex::encode(Sha256::digest(token.as_bytes()))],
        )
        .await
        .unwrap();
    }

    // Whether the email has an account or not, the expired rows go.
    forgot(&app, "nobody@example.com").await;

    let left: Vec<String> = pg
        .query("select token_hash::text from password_reset_tokens", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        left,
        [hex::encode(Sha256::digest("bob-live".as_bytes()))],
        "bob's live link survives someone else's request"
    );
}

#[tokio::test]
async fn a_successful_reset_deletes_every_other_token_of_the_user() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    forgot(&app, "ann@example.com").await;
    let mailed = mailed_token(&app).await;
    // A second live link, as a database adopted from the FastAPI blog may hold.
    let other = "another-live-token";
    app.pg()
        .await
        .execute(
            "insert into password_reset_tokens (user_id, token_hash, expires_at) values ($1, $2, now() + interval '1 hour')",
            &[&ann.id, &hex::encode(Sha256::digest(other.as_bytes()))],
        )
        .await
        .unwrap();

    assert_eq!(
        reset(&app, &mailed, "my new password").await.status(),
        StatusCode::OK
    );

    assert_detail(
        reset(&app, other, "another password").await,
        StatusCode::BAD_REQUEST,
        "Invalid or expired reset token",
    )
    .await;
}

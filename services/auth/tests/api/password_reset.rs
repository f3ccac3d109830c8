use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{
    NOT_AN_EMAIL, PASSWORD, TOO_SHORT, assert_detail, assert_invalid, assert_message,
    assert_token_refused, spawn_app, spawn_app_with, spawn_app_with_users,
};

// The FastAPI blog's exact texts: its frontends show them.
const FORGOT_MESSAGE: &str =
    "If an account exists with this email, you will receive password reset instructions.";
const RESET_MESSAGE: &str =
    "Password reset successfully. You can now log in with your new password.";
const INVALID_TOKEN: &str = "Invalid or expired reset token";

#[tokio::test]
async fn the_reset_link_is_sealed_in_the_outbox_row_and_the_stream_entry() {
    let app = spawn_app().await;
    app.user("ann").await;

    let token = app.reset_token_for("ann@example.com").await;
    let raw = app.raw_mail_jobs().await;
    let payload = app.text("select payload::text from mail_outbox").await;
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
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.forgot_password("ANN@example.com").await;

    assert_message(response, StatusCode::ACCEPTED, FORGOT_MESSAGE).await;
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
    let queued = "select count(*) from mail_outbox where queued_at is not null";
    assert_eq!(app.count(queued).await, 1);

    let token = app.mailed_token().await;
    let stored = app
        .text("select token_hash::text from password_reset_tokens")
        .await;
    assert_eq!(
        stored,
        hex::encode(Sha256::digest(token.as_bytes())),
        "only the hash is stored"
    );

    let done = app.reset_password(&token, "my new password").await;
    assert_message(done, StatusCode::OK, RESET_MESSAGE).await;
    let new = app.login(&ann.email, "my new password").await;
    assert_eq!(new.status(), StatusCode::OK);
    let old = app.login(&ann.email, PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    assert_token_refused(app.me(&ann.token).await).await;
    let jobs = app.mail_jobs().await;
    let kinds: Vec<&str> = jobs.iter().map(|j| j["kind"].as_str()).collect();
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

    let response = app.forgot_password("nobody@example.com").await;

    assert_message(response, StatusCode::ACCEPTED, FORGOT_MESSAGE).await;
    assert!(app.mail_jobs().await.is_empty());
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
    let tokens = "select count(*) from password_reset_tokens";
    assert_eq!(app.count(tokens).await, 0);
}

#[tokio::test]
async fn forgot_password_with_a_malformed_email_is_422() {
    let app = spawn_app().await;

    let answer = app.forgot_password("not-an-email").await;
    assert_invalid(answer, &["body", "email"], NOT_AN_EMAIL).await;
}

#[tokio::test]
async fn a_reset_token_works_once_even_under_six_concurrent_attempts() {
    let app = spawn_app_with(&[("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", "50")]).await;
    app.user("ann").await;
    let token = app.reset_token_for("ann@example.com").await;

    let attempts = (0..6).map(|i| {
        let (app, token) = (&app, token.clone());
        async move {
            app.reset_password(&token, &format!("new password {i}"))
                .await
        }
    });
    let responses = futures_util::future::join_all(attempts).await;

    let mut succeeded = 0;
    for response in responses {
        if response.status() == StatusCode::OK {
            succeeded += 1;
        } else {
            assert_detail(response, StatusCode::BAD_REQUEST, INVALID_TOKEN).await;
        }
    }
    assert_eq!(succeeded, 1);
    let versions = "select token_version::int8 from users";
    assert_eq!(app.count(versions).await, 1, "one password change");
}

#[tokio::test]
async fn an_expired_token_is_400_and_is_consumed() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let token = "expired-token-value";
    app.insert_reset_token(ann.id, token, "now() - interval '1 minute'")
        .await;

    let response = app.reset_password(token, "my new password").await;

    assert_detail(response, StatusCode::BAD_REQUEST, INVALID_TOKEN).await;
    let tokens = "select count(*) from password_reset_tokens";
    assert_eq!(app.count(tokens).await, 0);
    let login = app.login(&ann.email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_token_is_400_and_a_short_password_422() {
    let app = spawn_app().await;

    let unknown = app.reset_password("made-up", "my new password").await;
    assert_detail(unknown, StatusCode::BAD_REQUEST, INVALID_TOKEN).await;
    let answer = app.reset_password("made-up", "short").await;
    assert_invalid(answer, &["body", "new_password"], TOO_SHORT).await;
}

#[tokio::test]
async fn a_new_forgot_password_request_voids_the_earlier_link_at_once() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let first = app.reset_token_for("ann@example.com").await;
    let second = app.reset_token_for("ann@example.com").await;

    let voided = app.reset_password(&first, "another password").await;

    assert_detail(voided, StatusCode::BAD_REQUEST, INVALID_TOKEN).await;
    let tokens = "select count(*) from password_reset_tokens";
    assert_eq!(app.count(tokens).await, 1, "only the newest link is stored");
    let newest = app.reset_password(&second, "my new password").await;
    assert_eq!(newest.status(), StatusCode::OK);
    let login = app.login(&ann.email, "my new password").await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn forgot_password_purges_expired_tokens_of_every_user_and_keeps_others_live_ones() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    for (user, token, expires) in [
        (ann.id, "ann-expired", "now() - interval '1 minute'"),
        (bob.id, "bob-expired", "now() - interval '2 hours'"),
        (bob.id, "bob-live", "now() + interval '1 hour'"),
    ] {
        app.insert_reset_token(user, token, expires).await;
    }

    // Whether the email has an account or not, the expired rows go.
    app.forgot_password("nobody@example.com").await;

    let left: Vec<String> = app
        .pg()
        .await
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
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mailed = app.reset_token_for("ann@example.com").await;
    // A second live link, as a database adopted from the FastAPI blog may hold.
    let other = "another-live-token";
    app.insert_reset_token(ann.id, other, "now() + interval '1 hour'")
        .await;

    let reset = app.reset_password(&mailed, "my new password").await;
    assert_eq!(reset.status(), StatusCode::OK);

    let voided = app.reset_password(other, "another password").await;
    assert_detail(voided, StatusCode::BAD_REQUEST, INVALID_TOKEN).await;
}

use reqwest::StatusCode;

use crate::helpers::{
    PASSWORD, TOO_SHORT, TestApp, assert_detail, assert_invalid, assert_limited, assert_message,
    assert_token_refused, assert_wrong_current_password, spawn_app_with, spawn_app_with_users,
};

const NEW_PASSWORD: &str = "a brand new secret";

#[tokio::test]
async fn changing_the_password_ends_old_tokens_and_the_old_password() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app
        .change_password(&ann.token, PASSWORD, NEW_PASSWORD)
        .await;

    assert_message(response, StatusCode::OK, "Password changed successfully").await;
    assert_token_refused(app.me(&ann.token).await).await;
    let old = app.login(&ann.email, PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let fresh = app.token(&ann.email, NEW_PASSWORD).await;
    assert_eq!(app.me(&fresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn changing_the_password_queues_the_password_changed_mail() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    app.change_password(&ann.token, PASSWORD, NEW_PASSWORD)
        .await;

    let jobs = app.mail_jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["kind"], "password_changed");
    assert_eq!(jobs[0]["to"], "ann@example.com");
    assert_eq!(jobs[0]["username"], "ann");
    let queued = "select count(*) from mail_outbox where queued_at is not null";
    assert_eq!(app.count(queued).await, 1);
}

#[tokio::test]
async fn a_wrong_current_password_is_400_and_changes_nothing() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app
        .change_password(&ann.token, "not it at all", NEW_PASSWORD)
        .await;

    assert_wrong_current_password(response).await;
    assert_eq!(app.me(&ann.token).await.status(), StatusCode::OK);
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
}

#[tokio::test]
async fn a_short_new_password_is_422_and_no_token_is_401() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let answer = app.change_password(&ann.token, PASSWORD, "short").await;
    assert_invalid(answer, &["body", "new_password"], TOO_SHORT).await;
    let anonymous = app
        .send_json(
            reqwest::Method::PATCH,
            "/api/users/me/password",
            None,
            serde_json::json!({"current_password": PASSWORD, "new_password": "long enough"}),
        )
        .await;
    assert_detail(anonymous, StatusCode::UNAUTHORIZED, "Not authenticated").await;
}

#[tokio::test]
async fn wrong_current_passwords_past_the_limit_get_429_even_for_the_right_one() {
    let app = spawn_app_with(&[("PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    // A right change does not count: afterwards two wrong guesses are still answered.
    let changed = app
        .change_password(&ann.token, PASSWORD, "second password")
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let token = app.token(&ann.email, "second password").await;
    for _ in 0..2 {
        assert_wrong_guess(&app, &token).await;
    }

    let right = app
        .change_password(&token, "second password", "third password")
        .await;

    assert_limited(right, 60).await;
    assert_eq!(
        app.login(&ann.email, "second password").await.status(),
        StatusCode::OK,
        "the refused change changed nothing"
    );
    assert_wrong_guess(&app, &bob.token).await;
}

/// A wrong current password, answered 400.
async fn assert_wrong_guess(app: &TestApp, token: &str) {
    let guess = app.change_password(token, "not it at all", "third password");
    assert_wrong_current_password(guess.await).await;
}

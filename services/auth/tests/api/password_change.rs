use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, assert_detail, assert_invalid, assert_limited, spawn_app, spawn_app_with,
};

#[tokio::test]
async fn changing_the_password_ends_old_tokens_and_the_old_password() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = app
        .send_json(
            Method::PATCH,
            "/api/users/me/password",
            Some(&ann.token),
            json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"message": "Password changed successfully"})
    );
    assert_detail(
        app.get("/api/users/me", Some(&ann.token)).await,
        StatusCode::UNAUTHORIZED,
        "Could not validate credentials",
    )
    .await;
    assert_eq!(
        app.login(&ann.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = app.token(&ann.email, "a brand new secret").await;
    assert_eq!(
        app.get("/api/users/me", Some(&fresh)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_queues_the_password_changed_mail() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    app.send_json(
        Method::PATCH,
        "/api/users/me/password",
        Some(&ann.token),
        json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
    )
    .await;

    let jobs = app.mail_jobs().await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["kind"], "password_changed");
    assert_eq!(jobs[0]["to"], "ann@example.com");
    assert_eq!(jobs[0]["username"], "ann");
    assert_eq!(
        app.count("select count(*) from mail_outbox where queued_at is not null")
            .await,
        1
    );
}

#[tokio::test]
async fn a_wrong_current_password_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = app
        .send_json(
            Method::PATCH,
            "/api/users/me/password",
            Some(&ann.token),
            json!({"current_password": "not it at all", "new_password": "a brand new secret"}),
        )
        .await;

    assert_detail(
        response,
        StatusCode::BAD_REQUEST,
        "Current password is incorrect",
    )
    .await;
    assert_eq!(
        app.get("/api/users/me", Some(&ann.token)).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
}

#[tokio::test]
async fn a_short_new_password_is_422_and_no_token_is_401() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let short = app
        .send_json(
            Method::PATCH,
            "/api/users/me/password",
            Some(&ann.token),
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_invalid(
        short,
        &["body", "new_password"],
        "String should have at least 8 characters",
    )
    .await;
    let anonymous = app
        .send_json(
            Method::PATCH,
            "/api/users/me/password",
            None,
            json!({"current_password": PASSWORD, "new_password": "long enough"}),
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
        assert_detail(
            app.change_password(&token, "not it at all", "third password")
                .await,
            StatusCode::BAD_REQUEST,
            "Current password is incorrect",
        )
        .await;
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
    assert_detail(
        app.change_password(&bob.token, "not it at all", "third password")
            .await,
        StatusCode::BAD_REQUEST,
        "Current password is incorrect",
    )
    .await;
}

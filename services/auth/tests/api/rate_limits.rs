use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, spawn_app_with};

async fn assert_limited(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["detail"],
        format!("Too many requests. Try again in {retry_after} seconds.")
    );
}

#[tokio::test]
async fn login_attempts_past_the_limit_get_429_with_retry_after() {
    let app = spawn_app_with(&[("LOGIN_RATE_LIMIT_PER_MINUTE", "3")]).await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    for _ in 0..3 {
        assert_eq!(
            app.login("ann@example.com", "wrong password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }

    assert_limited(app.login("ann@example.com", PASSWORD).await).await;
}

#[tokio::test]
async fn forgot_password_past_the_limit_gets_429() {
    let app = spawn_app_with(&[("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let forgot = || {
        app.send_json(
            Method::POST,
            "/api/users/forgot-password",
            None,
            json!({"email": "x@example.com"}),
        )
    };

    assert_eq!(forgot().await.status(), StatusCode::ACCEPTED);
    assert_eq!(forgot().await.status(), StatusCode::ACCEPTED);

    assert_limited(forgot().await).await;
}

#[tokio::test]
async fn reset_password_past_the_limit_gets_429() {
    let app = spawn_app_with(&[("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let reset = || {
        app.send_json(
            Method::POST,
            "/api/users/reset-password",
            None,
            json!({"token": "guess", "new_password": "long enough"}),
        )
    };

    assert_eq!(reset().await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reset().await.status(), StatusCode::BAD_REQUEST);

    assert_limited(reset().await).await;
}

#[tokio::test]
async fn registrations_past_the_limit_get_429() {
    let app = spawn_app_with(&[("REGISTER_RATE_LIMIT_PER_MINUTE", "2")]).await;

    assert_eq!(
        app.register("a", "a@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("b", "b@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    assert_limited(app.register("c", "c@example.com", PASSWORD).await).await;
}

#[tokio::test]
async fn limits_degrade_open_when_redis_is_down() {
    let app = spawn_app_with(&[
        ("LOGIN_RATE_LIMIT_PER_MINUTE", "1"),
        ("REDIS_URL", "redis://127.0.0.1:1"),
    ])
    .await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    for _ in 0..3 {
        assert_eq!(
            app.login("ann@example.com", PASSWORD).await.status(),
            StatusCode::OK
        );
    }
}

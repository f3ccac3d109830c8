use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, assert_body, assert_detail, assert_unavailable, spawn_app, spawn_app_with,
};

const DEAD_DATABASE: &str = "postgres://postgres@127.0.0.1:1/nowhere";

#[tokio::test]
async fn health_is_503_when_the_database_is_down_and_livez_still_200() {
    let app = spawn_app_with(&[("DATABASE_URL", DEAD_DATABASE)]).await;

    let answer = app.get("/health", None).await;
    assert_detail(
        answer,
        StatusCode::SERVICE_UNAVAILABLE,
        "Database unavailable",
    )
    .await;
    let live = app.get("/livez", None).await;
    assert_body(live, StatusCode::OK, json!({"status": "alive"})).await;
}

#[tokio::test]
async fn health_is_200_when_the_database_answers() {
    let app = spawn_app().await;

    let response = app.get("/health", None).await;

    assert_body(response, StatusCode::OK, json!({"status": "healthy"})).await;
}

#[tokio::test]
async fn writes_fail_cleanly_with_503_when_the_database_is_down() {
    let app = spawn_app_with(&[("DATABASE_URL", DEAD_DATABASE)]).await;

    let register = app.register("ann", "ann@example.com", PASSWORD).await;
    assert_unavailable(register).await;
    assert_unavailable(app.login("ann@example.com", PASSWORD).await).await;
    assert_unavailable(app.forgot_password("ann@example.com").await).await;
}

#[tokio::test]
async fn a_token_check_with_the_database_down_is_503_not_401() {
    let healthy = spawn_app().await;
    let ann = healthy.user("ann").await;
    let claims = crate::helpers::claims(ann.id);
    let down = spawn_app_with(&[
        ("DATABASE_URL", DEAD_DATABASE),
        ("JWT_PRIVATE_KEY", &healthy.private_key()),
    ])
    .await;

    let response = down.me(&healthy.sign(&claims)).await;

    assert_unavailable(response).await;
}

#[tokio::test]
async fn forgot_password_with_redis_down_still_answers_202_and_keeps_the_job_in_the_outbox() {
    let app = spawn_app_with(&[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    let response = app.forgot_password("ann@example.com").await;

    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let row = app
        .pg()
        .await
        .query_one(
            "select payload, queued_at is null as pending from mail_outbox",
            &[],
        )
        .await
        .unwrap();
    let payload: Value = row.get("payload");
    assert!(row.get::<_, bool>("pending"), "left for the worker's sweep");
    assert_eq!(payload["kind"], "password_reset");
    assert_eq!(payload["to"], "ann@example.com");
    // Kept for the sweep, but sealed: nothing at rest holds a usable link.
    assert!(payload["link"].as_str().unwrap().starts_with("v1."));
    assert!(!payload.to_string().contains("token="));
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        1
    );
}

//! `POST_RATE_LIMIT_PER_MINUTE` (30) new posts per user a minute, counted in Redis; with
//! Redis down, posting goes on (degrades open).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_limited, spawn_app_with, spawn_app_with_users};

#[tokio::test]
async fn the_31st_post_in_a_minute_is_429_with_retry_after_while_another_user_still_posts() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    for n in 0..30 {
        app.create_post(&ann, &format!("post {n}"), "text").await;
    }

    let refused = app.try_create_post(&ann, "one more", "text").await;

    assert_limited(refused, 60).await;
    app.create_post(&bob, "bob's own budget", "text").await;
    assert_eq!(
        app.count_posts().await,
        31,
        "the refused post was not written"
    );
}

#[tokio::test]
async fn edits_do_not_count_against_the_post_limit() {
    let app = spawn_app_with(&[("POST_RATE_LIMIT_PER_MINUTE", "1")]).await;
    let ann = app.user("ann").await;
    let post = app.create_post(&ann, "only", "one").await;

    for n in 0..3 {
        let edit = json!({"title": format!("edit {n}")});
        let edited = app.edit_post(&post["id"], &ann.token, edit).await;
        assert_eq!(edited.status(), StatusCode::OK);
    }
    let second = app.try_create_post(&ann, "two", "text").await;

    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn with_redis_down_the_service_starts_serves_reads_and_still_creates_posts() {
    let app = spawn_app_with(&[
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("POST_RATE_LIMIT_PER_MINUTE", "1"),
    ])
    .await;
    let ann = app.user("ann").await;

    for n in 0..3 {
        app.create_post(&ann, &format!("post {n}"), "text").await;
    }

    let feed = app.feed("/api/posts").await;
    assert_eq!(feed["total"], 3);
    assert_eq!(app.count_posts().await, 3);
}

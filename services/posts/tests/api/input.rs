//! What a post's fields accept, and what they refuse with a 422 or 413.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Write, assert_detail, assert_invalid, assert_invalid_at, id_of, spawn_app_with_users,
};

#[tokio::test]
async fn invalid_posts_are_422_and_nothing_is_written() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let cases = [
        (
            json!({"title": "", "content": "c"}),
            ["body", "title"],
            "String should have at least 1 character",
        ),
        (
            json!({"title": "x".repeat(101), "content": "c"}),
            ["body", "title"],
            "String should have at most 100 characters",
        ),
        (
            json!({"title": "t", "content": ""}),
            ["body", "content"],
            "String should have at least 1 character",
        ),
    ];
    for (body, loc, msg) in cases {
        assert_invalid(app.create_post_as(&ann.token, body).await, &loc, msg).await;
    }
    let missing = app.create_post_as(&ann.token, json!({"title": "t"})).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn quotes_sql_html_and_emoji_round_trip_verbatim() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let title = r#"It's "quoted" 🎉 <b>bold</b>"#;
    let content =
        "'); drop table posts; --\n<script>alert(1)</script>\n\\ backslash é 🦀 \t tab \u{1F}";

    let created = app.create_post(&ann, title, content).await;

    let read = app.read_post(&created["id"]).await;
    assert_eq!(
        (read["title"].as_str(), read["content"].as_str()),
        (Some(title), Some(content))
    );
    assert_eq!(app.count_posts().await, 1);
}

#[tokio::test]
async fn a_nul_character_is_422_not_a_database_error() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.try_create_post(&ann, "t", "a\u{0}b").await;

    assert_invalid(
        response,
        &["body", "content"],
        "String should not contain NUL characters",
    )
    .await;
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn a_number_or_boolean_where_text_belongs_is_422_and_writes_nothing() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "title", "content").await;
    let id = id_of(&post);

    for (write, body) in [
        (Write::Create, json!({"title": 7, "content": "c"})),
        (Write::Create, json!({"title": "t", "content": false})),
        (Write::Replace(id), json!({"title": "t", "content": 1.5})),
        (Write::Edit(id), json!({"title": true})),
    ] {
        let case = format!("{write:?} {body}");
        let response = app.write(write, &ann.token, body).await;
        assert_invalid_at(response, &["body"], &case).await;
    }
    assert_eq!(app.count_posts().await, 1);
    assert_eq!(app.read_post(id).await["title"], "title", "unchanged");
}

#[tokio::test]
async fn the_longest_post_fits_the_body_limit_even_fully_escaped_and_a_three_mib_body_is_413() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    // 100,000 characters outside the BMP, each written as a JSON surrogate pair: 1.2 MB.
    let body = format!(
        r#"{{"title": "long read", "content": "{}"}}"#,
        r"\ud83e\udd80".repeat(100_000)
    );

    let created = app
        .client
        .post(app.url("/api/posts"))
        .bearer_auth(&ann.token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        created["content"].as_str().map(|c| c.chars().count()),
        Some(100_000)
    );

    let huge = json!({"title": "too long", "content": "a".repeat(3 * 1024 * 1024)});
    let huge = app.create_post_as(&ann.token, huge).await;
    let too_large = "Request body too large";
    assert_detail(huge, StatusCode::PAYLOAD_TOO_LARGE, too_large).await;
    assert_eq!(app.count_posts().await, 1);
}

//! `content` holds at most 100,000 characters, on every write and in the OpenAPI schema.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Write, assert_invalid, id_of, spawn_app, spawn_app_with_users};

const TOO_LONG: &str = "String should have at most 100000 characters";

#[tokio::test]
async fn content_of_100000_characters_is_accepted_on_create_put_and_patch() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    // Characters, not bytes: four bytes each, 400 kB.
    let longest = "🦀".repeat(100_000);

    let created = app.create_post(&ann, "longest", &longest).await;
    let id = id_of(&created);
    let put = json!({"title": "put", "content": "b".repeat(100_000)});
    let put = app.replace_post(id, &ann.token, put).await;
    assert_eq!(put.status(), StatusCode::OK);
    let patch = app
        .edit_post(id, &ann.token, json!({"content": longest}))
        .await;
    assert_eq!(patch.status(), StatusCode::OK);

    let read = app.read_post(id).await;
    assert_eq!(
        (read["title"].as_str(), read["content"].as_str()),
        (Some("put"), Some(longest.as_str()))
    );
}

#[tokio::test]
async fn content_of_100001_characters_is_422_on_create_put_and_patch_and_nothing_changes() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "title", "content").await;
    let id = id_of(&post);
    let too_long = "é".repeat(100_001);

    for (write, body) in [
        (Write::Create, json!({"title": "t", "content": too_long})),
        (
            Write::Replace(id),
            json!({"title": "t", "content": too_long}),
        ),
        (Write::Edit(id), json!({"content": too_long})),
    ] {
        let response = app.write(write, &ann.token, body).await;
        assert_invalid(response, &["body", "content"], TOO_LONG).await;
    }

    assert_eq!(app.count_posts().await, 1);
    let read = app.read_post(id).await;
    assert_eq!(
        (read["title"].as_str(), read["content"].as_str()),
        (Some("title"), Some("content")),
        "unchanged"
    );
}

#[tokio::test]
async fn the_openapi_schema_gives_content_a_max_length_of_100000() {
    let app = spawn_app().await;

    let spec: Value = app.get("/openapi.json").await.json().await.unwrap();

    for schema in ["PostCreate", "PostUpdate"] {
        let content = &spec["components"]["schemas"][schema]["properties"]["content"];
        assert_eq!(content["maxLength"], 100_000, "{schema}: {content}");
        assert_eq!(content["minLength"], 1, "{schema}: {content}");
    }
}

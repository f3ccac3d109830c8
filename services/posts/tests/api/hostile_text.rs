//! A NUL character (which Postgres text cannot hold) or bytes that are not UTF-8, in any
//! text a posts endpoint reads (body fields, query, path): a 4xx, never a 500, nothing
//! written.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    Write, assert_client_error, assert_invalid_case, id_of, post_path, send_bytes,
    spawn_app_with_users,
};

/// The 422 `msg` of a NUL character in a text field.
const NUL: &str = "String should not contain NUL characters";

#[tokio::test]
async fn a_nul_in_a_title_or_content_is_a_422_on_create_replace_and_edit() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "kept", "as it was").await;
    let id = id_of(&post);
    let cases = [
        (
            Write::Create,
            json!({"title": "a\0b", "content": "c"}),
            "title",
        ),
        (
            Write::Create,
            json!({"title": "t", "content": "c\0"}),
            "content",
        ),
        (
            Write::Replace(id),
            json!({"title": "\0", "content": "c"}),
            "title",
        ),
        (Write::Edit(id), json!({"content": "x\0y"}), "content"),
    ];
    for (write, body, field) in cases {
        let response = app.write(write, &ann.token, body).await;
        let case = format!("{write:?} {field}");
        assert_invalid_case(response, &["body", field], NUL, &case).await;
    }
    assert_eq!(app.count_posts().await, 1);
    let kept = app.read_post(id).await;
    assert_eq!(
        (kept["title"].as_str(), kept["content"].as_str()),
        (Some("kept"), Some("as it was"))
    );
}

#[tokio::test]
async fn bytes_that_are_not_utf8_or_a_nul_in_the_query_and_path_are_a_4xx() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "kept", "as it was").await;
    let mut body = br#"{"title": "t"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#"", "content": "c"}"#);
    for (method, path) in [
        (Method::POST, "/api/posts".to_owned()),
        (Method::PUT, post_path(&post["id"])),
        (Method::PATCH, post_path(&post["id"])),
    ] {
        let request = (method, path.as_str());
        let json = "application/json";
        let response = send_bytes(&app, request, Some(&ann.token), json, body.clone()).await;
        assert_client_error(&response, &path);
    }
    for path in [
        "/api/posts?cursor=%00",
        "/api/posts?cursor=%FF%FE",
        "/api/posts?skip=%00",
        "/api/posts/%00",
        "/api/posts/%FF",
        "/api/users/%00/posts",
        "/api/users/1/posts?limit=%FF",
    ] {
        assert_client_error(&app.get(path).await, path);
    }
    assert_eq!(app.count_posts().await, 1);
}

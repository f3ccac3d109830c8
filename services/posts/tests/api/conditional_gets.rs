//! Conditional GETs: an `ETag` that changes only with the bytes, 304s only while
//! unchanged, `no-cache` with an ETag and `no-store` without.

use std::time::Duration;

use reqwest::{StatusCode, header::ETAG};
use serde_json::Value;

use crate::{
    caching::{PATIENCE, cache_control, etag, one_post},
    helpers::{post_path, spawn_app, spawn_app_with_users},
};

#[tokio::test]
async fn public_reads_carry_a_strong_etag_that_stays_while_nothing_changes() {
    let app = spawn_app().await;
    let (ann, _, paths) = one_post(&app).await;
    for path in &paths {
        let first = app.get(path).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let tag = etag(first.headers());
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{path}: {tag}");
        assert_eq!(cache_control(first.headers()), "no-cache", "{path}");
        // Cached or read through, the same bytes get the same tag.
        let again = app.get(path).await;
        assert_eq!(etag(again.headers()), tag, "{path}");
        let as_author = app.get_as(&ann, path).await;
        assert_eq!(etag(as_author.headers()), tag, "{path}");
        assert_eq!(cache_control(as_author.headers()), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_with_no_body() {
    let app = spawn_app().await;
    let (ann, _, paths) = one_post(&app).await;
    app.create_post(&ann, "Second", "Again").await;
    let first_page = app.feed("/api/posts?limit=1").await;
    let cursor = first_page["next_cursor"].as_str().unwrap();
    let cursor_page = format!("/api/posts?limit=1&skip=1&cursor={cursor}");
    for path in paths.iter().chain([&cursor_page]) {
        let tag = etag(app.get(path).await.headers());
        for condition in [
            tag.clone(),
            format!("W/{tag}"),
            format!("\"other\", {tag}"),
            "*".to_owned(),
        ] {
            let response = app.get_with(path, &[("if-none-match", &condition)]).await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_MODIFIED,
                "{path} {condition}"
            );
            assert_eq!(etag(response.headers()), tag, "{path}");
            assert_eq!(cache_control(response.headers()), "no-cache", "{path}");
            assert!(response.bytes().await.unwrap().is_empty(), "{path}");
        }
        let stale = app.get_with(path, &[("if-none-match", "\"other\"")]).await;
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
        assert_eq!(etag(stale.headers()), tag, "{path}");
        assert!(stale.json::<Value>().await.is_ok(), "{path}");
    }
}

#[tokio::test]
async fn errors_and_writes_carry_no_etag_and_stay_no_store() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let created = app.try_create_post(&ann, "t", "c").await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(created.headers().get(ETAG).is_none());
    assert_eq!(cache_control(created.headers()), "no-store");
    for (path, status) in [
        ("/api/posts/999999", StatusCode::NOT_FOUND),
        ("/api/users/999999/posts", StatusCode::NOT_FOUND),
        ("/api/posts?limit=0", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let response = app.get_with(path, &[("if-none-match", "*")]).await;
        assert_eq!(response.status(), status, "{path}");
        assert!(response.headers().get(ETAG).is_none(), "{path}");
        assert_eq!(cache_control(response.headers()), "no-store", "{path}");
    }
}

#[tokio::test]
async fn a_304_only_while_unchanged() {
    let app = spawn_app().await;
    let (_, id, _) = one_post(&app).await;
    let path = post_path(id);
    let old = etag(app.get(&path).await.headers());
    app.sql("update posts set title = 'Changed' where id = $1", id)
        .await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let response = loop {
        let response = app.get_with(&path, &[("if-none-match", &old)]).await;
        if response.status() != StatusCode::NOT_MODIFIED || tokio::time::Instant::now() > deadline {
            break response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(response.status(), StatusCode::OK);
    let new = etag(response.headers());
    assert_ne!(new, old);
    assert_eq!(response.json::<Value>().await.unwrap()["title"], "Changed");
    let held = app.get_with(&path, &[("if-none-match", &new)]).await;
    assert_eq!(held.status(), StatusCode::NOT_MODIFIED);
}

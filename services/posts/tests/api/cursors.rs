//! Keyset paging: `next_cursor` sent back as `cursor`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    TestApp, assert_detail, assert_invalid, ids, spawn_app, spawn_app_with_users, user_feed_path,
};

/// Follows `next_cursor` from the first page to the end; returns every id seen.
async fn walk_by_cursor(app: &TestApp, path: &str, limit: usize) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut page = app.feed(&format!("{path}?limit={limit}")).await;
    loop {
        seen.extend(ids(&page));
        let Some(cursor) = page["next_cursor"].as_str() else {
            return seen;
        };
        page = app
            .feed(&format!(
                "{path}?limit={limit}&skip={}&cursor={cursor}",
                seen.len()
            ))
            .await;
        assert_eq!(page["skip"], seen.len(), "the client's count is echoed");
    }
}

#[tokio::test]
async fn cursors_walk_a_feed_of_one_instant_without_repeating_or_dropping_a_post() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.insert_posts_at_one_instant(ann.id, 25).await;

    let seen = walk_by_cursor(&app, "/api/posts", 7).await;

    let by_skip: Vec<i64> = ids(&app.feed("/api/posts?limit=25").await);
    assert_eq!(seen, by_skip, "the same order as skip paging");
}

#[tokio::test]
async fn a_cursor_page_is_not_shifted_by_posts_added_since_the_previous_page() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    for n in 0..4 {
        app.create_post(&ann, &format!("old {n}"), "x").await;
    }
    let first = app.feed("/api/posts?limit=2").await;
    app.create_post(&ann, "new", "x").await;

    let by_cursor = app
        .feed(&format!(
            "/api/posts?limit=2&skip=2&cursor={}",
            first["next_cursor"].as_str().unwrap()
        ))
        .await;
    let by_skip = app.feed("/api/posts?limit=2&skip=2").await;

    let titles = |page: &Value| -> Vec<String> {
        page["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&first), ["old 3", "old 2"]);
    assert_eq!(titles(&by_cursor), ["old 1", "old 0"]);
    assert_eq!(
        titles(&by_skip),
        ["old 2", "old 1"],
        "offset paging repeats one"
    );
    assert_eq!(
        (
            by_cursor["total"].as_i64(),
            by_cursor["has_more"].as_bool(),
            &by_cursor["next_cursor"]
        ),
        (Some(5), Some(false), &Value::Null),
        "nothing follows the last old post, though the total grew past skip + 2"
    );
}

#[tokio::test]
async fn the_last_page_has_no_cursor() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.insert_posts_at_one_instant(ann.id, 4).await;

    let full = app.feed("/api/posts?limit=2").await;
    let last = app.feed("/api/posts?limit=2&skip=2").await;
    let exact = app.feed("/api/posts?limit=4").await;

    let last_by_cursor = app
        .feed(&format!(
            "/api/posts?limit=2&skip=2&cursor={}",
            full["next_cursor"].as_str().unwrap()
        ))
        .await;

    assert!(full["next_cursor"].is_string());
    assert_eq!(last["next_cursor"], Value::Null);
    assert_eq!(exact["next_cursor"], Value::Null);
    assert_eq!(ids(&last_by_cursor), ids(&last));
    assert_eq!(
        (
            last_by_cursor["has_more"].as_bool(),
            &last_by_cursor["next_cursor"]
        ),
        (Some(false), &Value::Null),
        "the post read past the page is not shown, and says nothing follows"
    );
}

#[tokio::test]
async fn a_user_feed_walks_by_cursor_over_that_users_posts_only() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    app.insert_posts_at_one_instant(ann.id, 5).await;
    app.insert_posts_at_one_instant(bob.id, 5).await;

    let seen = walk_by_cursor(&app, &user_feed_path(ann.id), 2).await;

    let anns = ids(&app
        .feed(&format!("/api/users/{}/posts?limit=5", ann.id))
        .await);
    assert_eq!(seen, anns);
}

#[tokio::test]
async fn a_cursor_this_service_did_not_write_is_422() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    for path in [
        "/api/posts?cursor=abc".to_owned(),
        "/api/posts?cursor=1_".to_owned(),
        "/api/posts?cursor=99999999999999999999_1".to_owned(),
        format!("/api/users/{}/posts?cursor=1_x", ann.id),
    ] {
        assert_invalid(app.get(&path).await, &["query", "cursor"], "Invalid cursor").await;
    }
}

#[tokio::test]
async fn an_unknown_user_is_404_with_a_cursor_too() {
    let app = spawn_app().await;

    assert_detail(
        app.get("/api/users/999999/posts?cursor=1_1").await,
        StatusCode::NOT_FOUND,
        "User not found",
    )
    .await;
}

//! `posts.updated_at` (V9): set by a trigger whenever a post's title or content changes,
//! whoever writes it (the API, or SQL as the FastAPI-era code and the previous release
//! write it), and read by the Atom feeds (`updated`) and the sitemap (`lastmod`).

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    feeds_xml::feed,
    helpers::{TestApp, Write, spawn_app_with_users},
    sitemap::{Listing, listing},
};

const BASE: &str = "http://localhost:8000";

async fn updated_at(app: &TestApp, id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    app.pg()
        .await
        .query_one("select updated_at from posts where id = $1", &[&id])
        .await
        .unwrap()
        .get(0)
}

/// Inserts a post by `user_id` posted at `at`; returns its id.
async fn insert_post(app: &TestApp, user_id: i64, title: &str, at: &str) -> i64 {
    app.pg()
        .await
        .query_one(
            "insert into posts (title, content, user_id, date_posted) \
             values ($1, 'text', $2, $3::text::timestamptz) returning id",
            &[&title, &user_id, &at],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn only_a_change_of_title_or_content_through_the_api_is_an_edit() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let id = app.create_post_id(&ann, "title", "content").await;
    assert_eq!(updated_at(&app, id).await, None, "a new post is not edited");

    for (write, body) in [
        (
            Write::Replace(id),
            json!({"title": "title", "content": "content"}),
        ),
        (Write::Edit(id), json!({"title": "title"})),
        (Write::Edit(id), json!({})),
    ] {
        let response = app.write(write, &ann.token, body).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(updated_at(&app, id).await, None, "the same text is no edit");
    }

    let response = app
        .edit_post(id, &ann.token, json!({"content": "revised"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(updated_at(&app, id).await.is_some(), "an edit is stamped");
}

#[tokio::test]
async fn a_write_from_outside_the_api_is_stamped_too() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let retitled = insert_post(&app, ann.id, "one", "2020-01-01T00:00:00Z").await;
    let moved = insert_post(&app, ann.id, "two", "2020-01-01T00:00:00Z").await;
    let pg = app.pg().await;

    // As the FastAPI blog's code writes an edit: it knows nothing of updated_at.
    pg.execute(
        "update posts set title = 'one, retitled' where id = $1",
        &[&retitled],
    )
    .await
    .unwrap();
    pg.execute(
        "update posts set user_id = $1 where id = $2",
        &[&bob.id, &moved],
    )
    .await
    .unwrap();

    assert!(updated_at(&app, retitled).await.is_some());
    assert_eq!(updated_at(&app, moved).await, None, "a move is no edit");
}

#[tokio::test]
async fn an_edit_of_an_older_post_moves_its_entry_the_feeds_updated_and_its_lastmod() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let older = insert_post(&app, ann.id, "older", "2020-01-01T00:00:00Z").await;
    let newer = insert_post(&app, ann.id, "newer", "2020-01-02T00:00:00Z").await;
    // An edit time written as is (the trigger fires only on title or content).
    app.pg()
        .await
        .execute(
            "update posts set updated_at = '2020-01-03T00:00:00Z' where id = $1",
            &[&older],
        )
        .await
        .unwrap();

    for path in [
        "/feed.xml".to_owned(),
        format!("/users/{}/feed.xml", ann.id),
    ] {
        let feed = feed(&app, &path).await;
        let entries: Vec<(&str, &str, &str)> = feed
            .entries
            .iter()
            .map(|e| (e.title.as_str(), e.published.as_str(), e.updated.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                ("newer", "2020-01-02T00:00:00Z", "2020-01-02T00:00:00Z"),
                ("older", "2020-01-01T00:00:00Z", "2020-01-03T00:00:00Z"),
            ],
            "{path}: still in posting order"
        );
        assert_eq!(feed.updated, "2020-01-03T00:00:00Z", "{path}");
    }

    let at = |date: &str| Some(format!("2020-01-0{date}T00:00:00Z"));
    assert_eq!(
        listing(&app.client, &app.url("/sitemap.xml")).await,
        Listing::Urls(vec![
            (format!("{BASE}/"), at("3")),
            (format!("{BASE}/posts/{older}"), at("3")),
            (format!("{BASE}/posts/{newer}"), at("2")),
        ])
    );
}

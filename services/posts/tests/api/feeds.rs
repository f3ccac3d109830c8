use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    NOT_AN_INTEGER, assert_detail, assert_invalid, assert_unknown_and_bad_ids, id_of, ids,
    post_path, spawn_app, spawn_app_with, spawn_app_with_users, user_feed_path,
};

#[tokio::test]
async fn an_empty_feed_has_no_posts_and_nothing_more() {
    let app = spawn_app().await;

    let page = app.feed("/api/posts").await;

    assert_eq!(
        page,
        json!({"posts": [], "total": 0, "skip": 0, "limit": 10, "has_more": false, "next_cursor": null})
    );
}

#[tokio::test]
async fn the_feed_is_newest_first_with_authors_embedded() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let first = app.create_post(&ann, "first", "a").await;
    let second = app.create_post(&bob, "second", "b").await;

    let page = app.feed("/api/posts").await;

    assert_eq!(ids(&page), [id_of(&second), id_of(&first)]);
    assert_eq!(page["total"], 2);
    assert_eq!(
        page["posts"][0]["author"],
        json!({"id": bob.id, "username": "bob", "image_file": null, "image_path": "/static/profile_pics/default.jpg"})
    );
    assert_eq!(page["posts"][0], second);
}

#[tokio::test]
async fn pages_over_posts_of_one_instant_never_repeat_or_drop_a_post() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.insert_posts_at_one_instant(ann.id, 25).await;

    let mut seen = Vec::new();
    for skip in (0..25).step_by(7) {
        let page = app.feed(&format!("/api/posts?skip={skip}&limit=7")).await;
        seen.extend(ids(&page));
    }

    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25, "no repeats");
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "equal dates fall back to id, descending");
}

#[tokio::test]
async fn has_more_and_total_are_right_at_the_edges() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.insert_posts_at_one_instant(ann.id, 10).await;

    let exactly_one_page = app.feed("/api/posts?limit=10").await;
    assert_eq!(
        (
            ids(&exactly_one_page).len(),
            exactly_one_page["has_more"].as_bool()
        ),
        (10, Some(false))
    );
    let first_of_two = app.feed("/api/posts?limit=9").await;
    assert_eq!(
        (ids(&first_of_two).len(), first_of_two["has_more"].as_bool()),
        (9, Some(true))
    );
    let last_page = app.feed("/api/posts?skip=9&limit=9").await;
    assert_eq!(
        (ids(&last_page).len(), last_page["has_more"].as_bool()),
        (1, Some(false))
    );
    let past_the_end = app.feed("/api/posts?skip=50").await;
    assert_eq!(past_the_end["posts"], json!([]));
    assert_eq!(
        (
            past_the_end["total"].as_i64(),
            past_the_end["skip"].as_i64(),
            past_the_end["has_more"].as_bool()
        ),
        (Some(10), Some(50), Some(false))
    );
}

#[tokio::test]
async fn skip_and_limit_outside_their_bounds_are_422() {
    let app = spawn_app().await;
    let cases = [
        (
            "/api/posts?skip=-1",
            ["query", "skip"],
            "Input should be greater than or equal to 0",
        ),
        (
            "/api/posts?limit=0",
            ["query", "limit"],
            "Input should be greater than or equal to 1",
        ),
        (
            "/api/posts?limit=101",
            ["query", "limit"],
            "Input should be less than or equal to 100",
        ),
        ("/api/posts?limit=ten", ["query", "limit"], NOT_AN_INTEGER),
        ("/api/posts?skip=1.5", ["query", "skip"], NOT_AN_INTEGER),
        (
            "/api/users/1/posts?limit=-5",
            ["query", "limit"],
            "Input should be greater than or equal to 1",
        ),
    ];
    for (path, loc, msg) in cases {
        assert_invalid(app.get(path).await, &loc, msg).await;
    }
    assert_eq!(app.feed("/api/posts?limit=100").await["limit"], 100);
    assert_eq!(app.feed("/api/posts?limit=1").await["limit"], 1);
}

#[tokio::test]
async fn the_default_page_size_is_posts_per_page() {
    let app = spawn_app_with(&[("POSTS_PER_PAGE", "3")]).await;
    let ann = app.user("ann").await;
    app.insert_posts_at_one_instant(ann.id, 5).await;

    let page = app.feed("/api/posts").await;

    assert_eq!(
        (
            ids(&page).len(),
            page["limit"].as_i64(),
            page["has_more"].as_bool()
        ),
        (3, Some(3), Some(true))
    );
}

#[tokio::test]
async fn a_user_feed_shows_only_that_users_posts() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    app.insert_posts_at_one_instant(ann.id, 3).await;
    let bobs = app.create_post(&bob, "bob's", "only one").await;

    let page = app.user_feed(bob.id).await;

    assert_eq!(ids(&page), [id_of(&bobs)]);
    assert_eq!(
        (page["total"].as_i64(), page["has_more"].as_bool()),
        (Some(1), Some(false))
    );
    let anns = app
        .feed(&format!("/api/users/{}/posts?limit=2", ann.id))
        .await;
    assert_eq!(
        (
            ids(&anns).len(),
            anns["total"].as_i64(),
            anns["has_more"].as_bool()
        ),
        (2, Some(3), Some(true))
    );
}

#[tokio::test]
async fn a_user_without_posts_has_an_empty_feed_and_an_unknown_user_is_404() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let page = app.user_feed(ann.id).await;
    assert_eq!(
        page,
        json!({"posts": [], "total": 0, "skip": 0, "limit": 10, "has_more": false, "next_cursor": null})
    );
    let paths = ("/api/users/999999/posts", "/api/users/abc/posts");
    assert_unknown_and_bad_ids(&app, paths, "User not found").await;
}

#[tokio::test]
async fn an_author_rename_and_new_picture_show_in_their_posts() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "hello", "world").await;

    app.pg()
        .await
        .execute(
            "update users set username = 'Annabel', image_file = 'cafe.jpg' where id = $1",
            &[&ann.id],
        )
        .await
        .unwrap();

    let fresh = app.read_post(&post["id"]).await;
    assert_eq!(fresh["author"]["username"], "Annabel");
    assert_eq!(
        fresh["author"]["image_path"],
        "/media/profile_pics/cafe.jpg"
    );
    assert_eq!(
        app.feed("/api/posts").await["posts"][0]["author"]["username"],
        "Annabel"
    );
}

#[tokio::test]
async fn deleting_a_user_removes_their_posts_from_every_feed_and_total() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    app.insert_posts_at_one_instant(ann.id, 4).await;
    let kept = app.create_post(&bob, "stays", "here").await;
    let gone = ids(&app.user_feed(ann.id).await)[0];

    app.pg()
        .await
        .execute("delete from users where id = $1", &[&ann.id])
        .await
        .unwrap();

    // What the database holds now: anonymous readers may see it up to a second later.
    let page = app.feed_fresh("/api/posts").await;
    assert_eq!(ids(&page), [id_of(&kept)]);
    assert_eq!(page["total"], 1);
    for (path, detail) in [
        (post_path(gone), "Post not found"),
        (user_feed_path(ann.id), "User not found"),
    ] {
        assert_detail(app.get_fresh(&path).await, StatusCode::NOT_FOUND, detail).await;
    }
}

#[tokio::test]
async fn totals_follow_bulk_inserts_and_a_truncate() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.insert_posts_at_one_instant(ann.id, 7).await;
    assert_eq!(app.feed("/api/posts").await["total"], 7);
    assert_eq!(app.user_feed(ann.id).await["total"], 7);

    app.pg()
        .await
        .batch_execute("truncate posts")
        .await
        .unwrap();

    // What the database holds now: anonymous readers may see it up to a second later.
    assert_eq!(app.feed_fresh("/api/posts").await["total"], 0);
    assert_eq!(app.feed_fresh(&user_feed_path(ann.id)).await["total"], 0);
}

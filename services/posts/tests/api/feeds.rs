use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_detail, assert_invalid, ids, spawn_app, spawn_app_with};

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
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let first = app.create_post(&ann, "first", "a").await;
    let second = app.create_post(&bob, "second", "b").await;

    let page = app.feed("/api/posts").await;

    assert_eq!(
        ids(&page),
        [
            second["id"].as_i64().unwrap(),
            first["id"].as_i64().unwrap()
        ]
    );
    assert_eq!(page["total"], 2);
    assert_eq!(
        page["posts"][0]["author"],
        json!({"id": bob.id, "username": "bob", "image_file": null, "image_path": "/static/profile_pics/default.jpg"})
    );
    assert_eq!(page["posts"][0], second);
}

#[tokio::test]
async fn pages_over_posts_of_one_instant_never_repeat_or_drop_a_post() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
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
    let app = spawn_app().await;
    let ann = app.user("ann").await;
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
        (
            "/api/posts?limit=ten",
            ["query", "limit"],
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            "/api/posts?skip=1.5",
            ["query", "skip"],
            "Input should be a valid integer, unable to parse string as an integer",
        ),
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
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.insert_posts_at_one_instant(ann.id, 3).await;
    let bobs = app.create_post(&bob, "bob's", "only one").await;

    let page = app.feed(&format!("/api/users/{}/posts", bob.id)).await;

    assert_eq!(ids(&page), [bobs["id"].as_i64().unwrap()]);
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
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let page = app.feed(&format!("/api/users/{}/posts", ann.id)).await;
    assert_eq!(
        page,
        json!({"posts": [], "total": 0, "skip": 0, "limit": 10, "has_more": false, "next_cursor": null})
    );
    assert_detail(
        app.get("/api/users/999999/posts").await,
        StatusCode::NOT_FOUND,
        "User not found",
    )
    .await;
    assert_invalid(
        app.get("/api/users/abc/posts").await,
        &["path", "id"],
        "Input should be a valid integer, unable to parse string as an integer",
    )
    .await;
}

#[tokio::test]
async fn an_author_rename_and_new_picture_show_in_their_posts() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let post = app.create_post(&ann, "hello", "world").await;

    app.pg()
        .await
        .execute(
            "update users set username = 'Annabel', image_file = 'cafe.jpg' where id = $1",
            &[&ann.id],
        )
        .await
        .unwrap();

    let fresh = app.feed(&format!("/api/posts/{}", post["id"])).await;
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
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.insert_posts_at_one_instant(ann.id, 4).await;
    let kept = app.create_post(&bob, "stays", "here").await;
    let gone = ids(&app.feed(&format!("/api/users/{}/posts", ann.id)).await)[0];

    app.pg()
        .await
        .execute("delete from users where id = $1", &[&ann.id])
        .await
        .unwrap();

    let page = app.feed("/api/posts").await;
    assert_eq!(ids(&page), [kept["id"].as_i64().unwrap()]);
    assert_eq!(page["total"], 1);
    assert_detail(
        app.get(&format!("/api/posts/{gone}")).await,
        StatusCode::NOT_FOUND,
        "Post not found",
    )
    .await;
    assert_detail(
        app.get(&format!("/api/users/{}/posts", ann.id)).await,
        StatusCode::NOT_FOUND,
        "User not found",
    )
    .await;
}

#[tokio::test]
async fn totals_follow_bulk_inserts_and_a_truncate() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    app.insert_posts_at_one_instant(ann.id, 7).await;
    assert_eq!(app.feed("/api/posts").await["total"], 7);
    assert_eq!(
        app.feed(&format!("/api/users/{}/posts", ann.id)).await["total"],
        7
    );

    app.pg()
        .await
        .batch_execute("truncate posts")
        .await
        .unwrap();

    assert_eq!(app.feed("/api/posts").await["total"], 0);
    assert_eq!(
        app.feed(&format!("/api/users/{}/posts", ann.id)).await["total"],
        0
    );
}

/// Follows `next_cursor` from the first page to the end; returns every id seen.
async fn walk_by_cursor(app: &crate::helpers::TestApp, path: &str, limit: usize) -> Vec<i64> {
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
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    app.insert_posts_at_one_instant(ann.id, 25).await;

    let seen = walk_by_cursor(&app, "/api/posts", 7).await;

    let by_skip: Vec<i64> = ids(&app.feed("/api/posts?limit=25").await);
    assert_eq!(seen, by_skip, "the same order as skip paging");
}

#[tokio::test]
async fn a_cursor_page_is_not_shifted_by_posts_added_since_the_previous_page() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
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

    let titles = |page: &serde_json::Value| -> Vec<String> {
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
        (Some(5), Some(false), &serde_json::Value::Null),
        "nothing follows the last old post, though the total grew past skip + 2"
    );
}

#[tokio::test]
async fn the_last_page_has_no_cursor() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
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
    assert_eq!(last["next_cursor"], serde_json::Value::Null);
    assert_eq!(exact["next_cursor"], serde_json::Value::Null);
    assert_eq!(ids(&last_by_cursor), ids(&last));
    assert_eq!(
        (
            last_by_cursor["has_more"].as_bool(),
            &last_by_cursor["next_cursor"]
        ),
        (Some(false), &serde_json::Value::Null),
        "the post read past the page is not shown, and says nothing follows"
    );
}

#[tokio::test]
async fn a_user_feed_walks_by_cursor_over_that_users_posts_only() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    app.insert_posts_at_one_instant(ann.id, 5).await;
    app.insert_posts_at_one_instant(bob.id, 5).await;

    let seen = walk_by_cursor(&app, &format!("/api/users/{}/posts", ann.id), 2).await;

    let anns = ids(&app
        .feed(&format!("/api/users/{}/posts?limit=5", ann.id))
        .await);
    assert_eq!(seen, anns);
}

#[tokio::test]
async fn a_cursor_this_service_did_not_write_is_422() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

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

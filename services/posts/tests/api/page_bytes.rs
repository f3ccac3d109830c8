//! A feed page stops adding posts once their `content` passes 1,000,000 bytes: the post
//! that crosses the line is the page's last, and `has_more`, `skip` and `next_cursor`
//! continue after it. Posts this long predate the 100,000-character cap (adopted
//! databases), so they are inserted with SQL.

use serde_json::Value;

use crate::helpers::{TestApp, ids, spawn_app_with_users, user_feed_path};

/// The shape of a page that matters here: its ids, `has_more`, `next_cursor`.
fn summary(page: &Value) -> (Vec<i64>, bool, Option<String>) {
    (
        ids(page),
        page["has_more"].as_bool().unwrap(),
        page["next_cursor"].as_str().map(str::to_owned),
    )
}

/// Pages of `path` (limit 10) by `skip`, until `has_more` is false.
async fn pages_by_skip(app: &TestApp, path: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut skip = 0;
    loop {
        let page = app.feed(&format!("{path}?limit=10&skip={skip}")).await;
        let (ids, has_more, _) = summary(&page);
        skip += ids.len();
        pages.push(ids);
        if !has_more {
            return pages;
        }
    }
}

/// Pages of `path` (limit 10) following `next_cursor` from the first page.
async fn pages_by_cursor(app: &TestApp, path: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut next = format!("{path}?limit=10");
    loop {
        let (ids, has_more, cursor) = summary(&app.feed(&next).await);
        let seen: usize = pages.iter().map(Vec::len).sum::<usize>() + ids.len();
        pages.push(ids);
        match cursor {
            Some(cursor) => {
                assert!(has_more);
                next = format!("{path}?limit=10&skip={seen}&cursor={cursor}");
            }
            None => {
                assert!(!has_more);
                return pages;
            }
        }
    }
}

#[tokio::test]
async fn ten_posts_of_300000_bytes_come_four_four_and_two_by_skip_and_by_cursor() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let all = app.insert_posts_of_sizes(ann.id, &[300_000; 10]).await;
    let expected = vec![all[0..4].to_vec(), all[4..8].to_vec(), all[8..10].to_vec()];

    for path in ["/api/posts".to_owned(), user_feed_path(ann.id)] {
        let first = app.feed(&format!("{path}?limit=10")).await;
        assert_eq!(
            (
                ids(&first),
                first["has_more"].as_bool(),
                first["total"].as_i64()
            ),
            (all[0..4].to_vec(), Some(true), Some(10)),
            "{path}: the 4th post crosses 1,000,000 bytes and is the last"
        );
        assert_eq!(pages_by_skip(&app, &path).await, expected, "{path} by skip");
        assert_eq!(
            pages_by_cursor(&app, &path).await,
            expected,
            "{path} by cursor"
        );
    }
}

#[tokio::test]
async fn a_post_of_one_and_a_half_megabytes_is_a_page_of_its_own() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let all = app
        .insert_posts_of_sizes(ann.id, &[1_500_000, 10, 10])
        .await;

    let first = app.feed("/api/posts?limit=10").await;
    let (first_ids, has_more, cursor) = summary(&first);
    assert_eq!((first_ids, has_more), (vec![all[0]], true));
    assert_eq!(
        first["posts"][0]["content"].as_str().map(str::len),
        Some(1_500_000),
        "a post is never cut"
    );

    let by_skip = app.feed("/api/posts?limit=10&skip=1").await;
    let by_cursor = app
        .feed(&format!(
            "/api/posts?limit=10&skip=1&cursor={}",
            cursor.unwrap()
        ))
        .await;
    for page in [by_skip, by_cursor] {
        assert_eq!(summary(&page), (all[1..].to_vec(), false, None));
    }
}

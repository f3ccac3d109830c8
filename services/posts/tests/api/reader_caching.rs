//! Every reader answer (pages, feeds, sitemap, robots.txt) is a conditional GET with the
//! `Cache-Control` its freshness calls for: a page revalidates on every view (an edit shows
//! at once), feeds and the sitemap may be kept a minute. An unchanged answer is a 304
//! without a body; an edit changes the tag of every answer that shows the post.

use reqwest::{
    StatusCode,
    header::{CACHE_CONTROL, ETAG},
};
use serde_json::json;

use crate::{helpers::TestApp, pages::spawn_with_shell};

const PAGE: &str = "no-cache";
const FEED: &str = "public, max-age=60";

/// `path`'s `ETag`, asserting a 200 with `cache_control`.
async fn tag_of(app: &TestApp, path: &str, cache_control: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(response.headers()[CACHE_CONTROL], cache_control, "{path}");
    let tag = response.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"'), "{path}: a strong tag, {tag}");
    tag
}

#[tokio::test]
async fn every_reader_answer_is_a_304_until_an_edit_changes_it() {
    let app = spawn_with_shell().await;
    let ann = app.user("ann").await;
    let id = app.create_post_id(&ann, "before", "text").await;
    // Posted long ago, so the edit's time (the sitemap's lastmod) cannot fall in the same
    // second.
    app.backdate_post(id, "2020-01-01T00:00:00Z").await;
    let answers = [
        (format!("/posts/{id}"), PAGE, true),
        (format!("/users/{}/posts", ann.id), PAGE, false),
        ("/feed.xml".to_owned(), FEED, true),
        (format!("/users/{}/feed.xml", ann.id), FEED, true),
        ("/sitemap.xml".to_owned(), FEED, true),
        ("/robots.txt".to_owned(), FEED, false),
    ];
    let mut tags = Vec::new();
    for (path, cache_control, _) in &answers {
        let tag = tag_of(&app, path, cache_control).await;
        let again = app.get_if_none_match(path, &tag).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()[ETAG], tag.as_str(), "{path}");
        assert_eq!(again.headers()[CACHE_CONTROL], *cache_control, "{path}");
        assert_eq!(again.text().await.unwrap(), "", "{path}: no body");
        tags.push(tag);
    }

    let edit = app
        .edit_post(id, &ann.token, json!({"title": "after"}))
        .await;
    assert_eq!(edit.status(), StatusCode::OK);

    for ((path, _, shows_the_post), tag) in answers.iter().zip(&tags) {
        let expected = if *shows_the_post {
            StatusCode::OK
        } else {
            StatusCode::NOT_MODIFIED
        };
        assert_eq!(
            app.get_if_none_match(path, tag).await.status(),
            expected,
            "{path}"
        );
    }
}

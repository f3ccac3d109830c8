//! `GET /posts/{id}` and `GET /users/{id}/posts` as HTML: the built shell with each page's
//! own head (title, description, Open Graph, Twitter card, canonical and feed links), every
//! user-written character escaped, the app's assets untouched, and the shell with status
//! 404 for what does not exist.

use std::sync::OnceLock;

use reqwest::{
    StatusCode,
    header::{CACHE_CONTROL, CONTENT_TYPE, ETAG},
};
use serde_json::json;

use crate::{
    feeds_xml::edit_time,
    helpers::{TestApp, spawn_app_with},
};

/// A shell as Vite builds `web/index.html`: a site-wide title and description, the theme
/// script and the hashed module.
const SHELL: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\" />\n    \
    <meta name=\"description\" content=\"Folio: a small blog.\" />\n    <title>Folio</title>\n    \
    <script src=\"/theme-init.js\"></script>\n    \
    <script type=\"module\" crossorigin src=\"/assets/index-T3st.js\"></script>\n  </head>\n  \
    <body>\n    <noscript>Folio needs JavaScript to show posts.</noscript>\n  </body>\n</html>\n";

const BASE: &str = "http://localhost:8000";

/// The shell written once per test process, for `WEB_SHELL`.
pub fn shell_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let path =
            std::env::temp_dir().join(format!("folio-test-shell-{}.html", std::process::id()));
        std::fs::write(&path, SHELL).unwrap();
        path.display().to_string()
    })
}

pub async fn spawn_with_shell() -> TestApp {
    spawn_app_with(&[("WEB_SHELL", shell_path())]).await
}

/// A page's HTML, asserting its status and type.
async fn page(app: &TestApp, path: &str, status: StatusCode) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), status, "{path}");
    assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
    response.text().await.unwrap()
}

/// Every value of `attribute` in tags that carry `key` (e.g. `property="og:title"`), as
/// written (escaped); a value ends at the first `"`, so an unescaped quote would show.
fn values(html: &str, key: &str, attribute: &str) -> Vec<String> {
    html.match_indices(key)
        .filter_map(|(at, _)| {
            let tag_end = at + html[at..].find('>').unwrap();
            let tag = &html[html[..at].rfind('<').unwrap()..tag_end];
            let start = tag.find(&format!(" {attribute}=\""))? + attribute.len() + 3;
            Some(tag[start..start + tag[start..].find('"').unwrap()].to_owned())
        })
        .collect()
}

fn one(html: &str, key: &str, attribute: &str) -> String {
    let found = values(html, key, attribute);
    assert_eq!(found.len(), 1, "{key} once in {html}");
    found.into_iter().next().unwrap()
}

/// The text of the document's one `<title>`.
fn title(html: &str) -> &str {
    assert_eq!(html.matches("<title>").count(), 1, "{html}");
    let start = html.find("<title>").unwrap() + "<title>".len();
    &html[start..start + html[start..].find("</title>").unwrap()]
}

/// The app boots from the page as from the gateway's copy: its scripts, as built.
fn assert_boots_the_app(html: &str) {
    assert!(html.contains("<script src=\"/theme-init.js\"></script>\n    <script type=\"module\" crossorigin src=\"/assets/index-T3st.js\"></script>\n  </head>"));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "no other script: {html}"
    );
    assert!(
        !html.contains("Folio: a small blog."),
        "the site description gave way"
    );
}

#[tokio::test]
async fn a_post_page_names_the_post_its_author_and_its_feeds() {
    let app = spawn_with_shell().await;
    let ann = app.user("ann").await;
    let post = app
        .create_post(&ann, "Spring notes", "The first\n\ncrocus   came up today.")
        .await;
    let id = post["id"].as_i64().unwrap();

    let html = page(&app, &format!("/posts/{id}"), StatusCode::OK).await;

    assert_eq!(title(&html), "Spring notes · Folio");
    let url = format!("{BASE}/posts/{id}");
    assert_eq!(
        one(&html, "name=\"description\"", "content"),
        "The first crocus came up today."
    );
    assert_eq!(one(&html, "rel=\"canonical\"", "href"), url);
    assert_eq!(one(&html, "property=\"og:type\"", "content"), "article");
    assert_eq!(
        one(&html, "property=\"og:title\"", "content"),
        "Spring notes"
    );
    assert_eq!(
        one(&html, "property=\"og:description\"", "content"),
        "The first crocus came up today."
    );
    assert_eq!(one(&html, "property=\"og:url\"", "content"), url);
    assert_eq!(
        one(&html, "property=\"og:image\"", "content"),
        format!("{BASE}/static/profile_pics/default.jpg")
    );
    assert_eq!(one(&html, "name=\"twitter:card\"", "content"), "summary");
    let posted = post["date_posted"].as_str().unwrap();
    assert_eq!(
        one(&html, "property=\"article:published_time\"", "content"),
        format!("{}Z", &posted[..19])
    );
    assert_eq!(
        values(&html, "type=\"application/atom+xml\"", "href"),
        [
            format!("{BASE}/feed.xml"),
            format!("{BASE}/users/{}/feed.xml", ann.id)
        ]
    );
    assert_boots_the_app(&html);
}

#[tokio::test]
async fn a_hostile_title_and_content_are_escaped_everywhere() {
    let app = spawn_with_shell().await;
    let mallory = app.user("mallory").await;
    let hostile = "<script>alert(1)</script>\"'&";
    let post = app
        .create_post(
            &mallory,
            hostile,
            "</title><script>alert(2)</script>\"' & more",
        )
        .await;
    let id = post["id"].as_i64().unwrap();

    let html = page(&app, &format!("/posts/{id}"), StatusCode::OK).await;

    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;";
    assert_eq!(title(&html), format!("{escaped} · Folio"));
    assert_eq!(one(&html, "property=\"og:title\"", "content"), escaped);
    assert_eq!(
        one(&html, "name=\"description\"", "content"),
        "&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;&quot;&#39; &amp; more"
    );
    assert!(!html.contains("alert(1)</script>") && !html.contains("alert(2)</script>"));
    assert_boots_the_app(&html);
}

#[tokio::test]
async fn a_long_post_is_described_by_its_opening_cut_at_a_word() {
    let app = spawn_with_shell().await;
    let ann = app.user("ann").await;
    let content = "word ".repeat(100);
    let id = app.create_post_id(&ann, "Long", &content).await;

    let html = page(&app, &format!("/posts/{id}"), StatusCode::OK).await;

    let description = one(&html, "name=\"description\"", "content");
    assert_eq!(description, format!("{}…", ["word"; 32].join(" ")));
    assert!(description.chars().count() <= 160);
}

#[tokio::test]
async fn a_user_page_names_the_author_with_their_picture_and_feed() {
    let app = spawn_with_shell().await;
    let ann = app.user("o'hara").await;
    app.create_post(&ann, "one", "a").await;
    app.create_post(&ann, "two", "b").await;
    app.pg()
        .await
        .execute(
            "update users set image_file = 'ab12.jpg' where id = $1",
            &[&ann.id],
        )
        .await
        .unwrap();

    let html = page(&app, &format!("/users/{}/posts", ann.id), StatusCode::OK).await;

    assert_eq!(title(&html), "o&#39;hara&#39;s posts · Folio");
    assert_eq!(one(&html, "property=\"og:type\"", "content"), "profile");
    assert_eq!(
        one(&html, "property=\"og:title\"", "content"),
        "o&#39;hara&#39;s posts"
    );
    assert_eq!(
        one(&html, "name=\"description\"", "content"),
        "2 posts by o&#39;hara on Folio."
    );
    assert_eq!(
        one(&html, "property=\"og:url\"", "content"),
        format!("{BASE}/users/{}/posts", ann.id)
    );
    assert_eq!(
        one(&html, "rel=\"canonical\"", "href"),
        format!("{BASE}/users/{}/posts", ann.id)
    );
    assert_eq!(
        one(&html, "property=\"og:image\"", "content"),
        format!("{BASE}/media/profile_pics/ab12.jpg")
    );
    assert_eq!(
        values(&html, "type=\"application/atom+xml\"", "href"),
        [
            format!("{BASE}/users/{}/feed.xml", ann.id),
            format!("{BASE}/feed.xml")
        ]
    );
    assert_boots_the_app(&html);
}

#[tokio::test]
async fn a_missing_post_or_user_is_the_app_with_status_404() {
    let app = spawn_with_shell().await;
    let ann = app.user("ann").await;
    let id = app.create_post_id(&ann, "gone soon", "x").await;
    app.delete_post(id, &ann.token).await;

    for path in [
        format!("/posts/{id}"),
        "/posts/abc".to_owned(),
        "/posts/-1".to_owned(),
        "/posts/99999999999999999999".to_owned(),
        "/users/999999/posts".to_owned(),
        "/users/ann/posts".to_owned(),
    ] {
        let html = page(&app, &path, StatusCode::NOT_FOUND).await;
        assert_eq!(title(&html), "Page not found · Folio", "{path}");
        assert_eq!(one(&html, "name=\"robots\"", "content"), "noindex");
        assert_boots_the_app(&html);
    }
}

#[tokio::test]
async fn an_unchanged_page_is_a_304_and_an_edit_shows_at_once() {
    let app = spawn_with_shell().await;
    let ann = app.user("ann").await;
    let id = app.create_post_id(&ann, "before", "x").await;
    let path = format!("/posts/{id}");
    let first = app.get(&path).await;
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();

    let again = app.get_if_none_match(&path, &etag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let edit = app
        .edit_post(id, &ann.token, json!({"title": "after"}))
        .await;
    assert_eq!(edit.status(), StatusCode::OK);
    let after = app.get_if_none_match(&path, &etag).await;
    assert_eq!(after.status(), StatusCode::OK);
    let html = after.text().await.unwrap();
    assert_eq!(title(&html), "after · Folio");
    assert_eq!(
        one(&html, "property=\"article:modified_time\"", "content"),
        edit_time(&app, id).await
    );
}

#[tokio::test]
async fn a_post_never_edited_has_no_modified_time() {
    let app = spawn_with_shell().await;
    let ann = app.user("ann").await;
    let id = app.create_post_id(&ann, "as posted", "x").await;

    let html = page(&app, &format!("/posts/{id}"), StatusCode::OK).await;

    assert!(values(&html, "article:modified_time", "content").is_empty());
    assert_eq!(values(&html, "article:published_time", "content").len(), 1);
}

#[tokio::test]
async fn a_hostile_username_is_escaped_on_the_user_page() {
    let app = spawn_with_shell().await;
    let mallory = app.user("<script>x</script>\"'&").await;

    let html = page(
        &app,
        &format!("/users/{}/posts", mallory.id),
        StatusCode::OK,
    )
    .await;

    let escaped = "&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;";
    assert_eq!(title(&html), format!("{escaped}&#39;s posts · Folio"));
    assert_eq!(
        one(&html, "property=\"og:title\"", "content"),
        format!("{escaped}&#39;s posts")
    );
    assert_eq!(
        one(&html, "property=\"profile:username\"", "content"),
        escaped
    );
    assert_eq!(
        one(&html, "name=\"description\"", "content"),
        format!("0 posts by {escaped} on Folio.")
    );
    assert_eq!(
        values(&html, "type=\"application/atom+xml\"", "title"),
        [format!("{escaped}&#39;s posts · Folio"), "Folio".to_owned()]
    );
    assert!(!html.contains("<script>x"));
    assert_boots_the_app(&html);
}

#[tokio::test]
async fn without_a_built_shell_development_serves_a_minimal_one() {
    let app = spawn_app_with(&[("WEB_SHELL", "/nonexistent/index.html")]).await;
    let ann = app.user("ann").await;
    let id = app.create_post_id(&ann, "Plain", "x").await;

    let html = page(&app, &format!("/posts/{id}"), StatusCode::OK).await;

    assert_eq!(title(&html), "Plain · Folio");
    assert_eq!(one(&html, "property=\"og:title\"", "content"), "Plain");
    assert!(html.contains("run web/build.sh"));
}

//! The Atom feeds, read by a strict XML 1.0 parser and checked for what RFC 4287 requires:
//! a feed's one id, title and updated, and an author (its own or every entry's); each
//! entry's one id, title and updated, its alternate link and author name; every date an
//! RFC 3339 timestamp. Feeds follow edits (an entry's `updated`, and the feed's) and
//! deletes.

use reqwest::{
    StatusCode,
    header::{CACHE_CONTROL, CONTENT_TYPE, ETAG},
};
use serde_json::json;

use crate::{
    helpers::{TestApp, assert_detail, spawn_app, spawn_app_with_users},
    sitemap::insert_posts,
};

const ATOM: &str = "http://www.w3.org/2005/Atom";
const BASE: &str = "http://localhost:8000";

/// One entry as a reader sees it.
#[derive(Debug, PartialEq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub published: String,
    pub updated: String,
    pub author: String,
    pub summary: String,
}

/// A feed: its own title and updated, and its entries in order.
#[derive(Debug)]
pub struct Feed {
    pub id: String,
    pub title: String,
    pub updated: String,
    pub entries: Vec<Entry>,
}

/// The one `<name>` child of `node` (the format allows no second).
fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    let mut found = node.children().filter(|n| n.has_tag_name((ATOM, name)));
    let first = found
        .next()
        .unwrap_or_else(|| panic!("<{name}> missing in <{}>", node.tag_name().name()));
    assert!(
        found.next().is_none(),
        "one <{name}> in <{}>",
        node.tag_name().name()
    );
    first
}

fn text_of(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    child(node, name).text().unwrap_or_default().to_owned()
}

/// An Atom date (RFC 3339), as written.
fn date_of(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    let date = text_of(node, name);
    chrono::DateTime::parse_from_rfc3339(&date)
        .unwrap_or_else(|e| panic!("<{name}> {date:?} is not RFC 3339: {e}"));
    date
}

fn has_author(node: roxmltree::Node<'_, '_>) -> bool {
    node.children().any(|n| n.has_tag_name((ATOM, "author")))
}

/// Parses an Atom document, asserting the elements the format requires.
fn parse(xml: &str) -> Feed {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")), "{xml}");
    let self_link = feed
        .children()
        .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("self"))
        .expect("a self link");
    assert_eq!(self_link.attribute("type"), Some("application/atom+xml"));
    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect();
    assert!(
        has_author(feed) || entries.iter().all(|entry| has_author(*entry)),
        "an author for the feed or for every entry: {xml}"
    );
    let entries = entries
        .into_iter()
        .map(|entry| {
            let link = child(entry, "link");
            assert_eq!(link.attribute("rel"), Some("alternate"));
            Entry {
                id: text_of(entry, "id"),
                title: text_of(entry, "title"),
                link: link.attribute("href").unwrap().to_owned(),
                published: date_of(entry, "published"),
                updated: date_of(entry, "updated"),
                author: text_of(child(entry, "author"), "name"),
                summary: text_of(entry, "summary"),
            }
        })
        .collect();
    Feed {
        id: text_of(feed, "id"),
        title: text_of(feed, "title"),
        updated: date_of(feed, "updated"),
        entries,
    }
}

pub async fn feed(app: &TestApp, path: &str) -> Feed {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers();
    assert_eq!(headers[CONTENT_TYPE], "application/atom+xml; charset=utf-8");
    assert_eq!(headers[CACHE_CONTROL], "public, max-age=60");
    assert!(headers.contains_key(ETAG));
    parse(&response.text().await.unwrap())
}

fn post_url(id: i64) -> String {
    format!("{BASE}/posts/{id}")
}

#[tokio::test]
async fn the_site_feed_is_atom_with_the_twenty_newest_posts_newest_first() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let ids = insert_posts(&app.pg().await, ann.id, 25).await;

    let feed = feed(&app, "/feed.xml").await;

    assert_eq!(feed.id, format!("{BASE}/feed.xml"));
    assert_eq!(feed.title, "Folio");
    assert_eq!(feed.updated, "2026-01-01T00:25:00Z");
    let newest: Vec<String> = ids.iter().rev().take(20).map(|id| post_url(*id)).collect();
    let got: Vec<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
    assert_eq!(got, newest);
    assert_eq!(
        feed.entries[0],
        Entry {
            id: post_url(ids[24]),
            title: "post 25".into(),
            link: post_url(ids[24]),
            published: "2026-01-01T00:25:00Z".into(),
            updated: "2026-01-01T00:25:00Z".into(),
            author: "ann".into(),
            summary: "content 25".into(),
        }
    );
}

#[tokio::test]
async fn markup_and_characters_xml_forbids_leave_the_feed_valid() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    // Written straight to the table: the API is not the only way posts arrive (adoption).
    app.pg()
        .await
        .execute(
            "insert into posts (title, content, user_id) values ($1, $2, $3)",
            &[
                &"<b>bold</b> & \u{1}\u{8}\u{b}\u{c}\u{1b}\u{fffe}\"'",
                &"]]></summary><x>\u{0b}a\u{1f}b & c</feed>",
                &ann.id,
            ],
        )
        .await
        .unwrap();

    let feed = feed(&app, "/feed.xml").await;

    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].title, "<b>bold</b> & \"'");
    assert_eq!(feed.entries[0].summary, "]]></summary><x> a b & c</feed>");
}

#[tokio::test]
async fn a_user_feed_holds_only_that_authors_posts() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let anns = app.create_post(&ann, "by ann", "a").await;
    app.create_post(&bob, "by bob", "b").await;

    let feed = feed(&app, &format!("/users/{}/feed.xml", ann.id)).await;

    assert_eq!(feed.id, format!("{BASE}/users/{}/feed.xml", ann.id));
    assert_eq!(feed.title, "ann's posts · Folio");
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [post_url(anns["id"].as_i64().unwrap())]);
    assert_eq!(feed.entries[0].author, "ann");
}

#[tokio::test]
async fn feeds_without_posts_are_valid_and_empty() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    for path in [
        "/feed.xml".to_owned(),
        format!("/users/{}/feed.xml", ann.id),
    ] {
        let feed = feed(&app, &path).await;
        assert!(feed.entries.is_empty(), "{path}");
        assert_eq!(feed.updated, "1970-01-01T00:00:00Z", "{path}");
    }
}

#[tokio::test]
async fn the_feed_of_an_unknown_user_is_a_404() {
    let app = spawn_app().await;

    for path in ["/users/999999/feed.xml", "/users/ann/feed.xml"] {
        assert_detail(app.get(path).await, StatusCode::NOT_FOUND, "User not found").await;
    }
}

#[tokio::test]
async fn the_feeds_follow_edits_and_deletes() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let kept = app.create_post_id(&ann, "draft title", "draft").await;
    let gone = app.create_post_id(&ann, "regretted", "x").await;
    // Posted long ago, so the edit's time cannot fall in the same second.
    app.backdate_post(kept, "2020-01-01T00:00:00Z").await;
    let before = app.get("/feed.xml").await.headers()[ETAG].clone();

    let edit = json!({"title": "final title", "content": "final"});
    let edit = app.edit_post(kept, &ann.token, edit).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let delete = app.delete_post(gone, &ann.token).await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let edited = edit_time(&app, kept).await;
    assert_ne!(edited, "2020-01-01T00:00:00Z");

    for path in [
        "/feed.xml".to_owned(),
        format!("/users/{}/feed.xml", ann.id),
    ] {
        let feed = feed(&app, &path).await;
        let entries: Vec<(&str, &str, &str, &str, &str)> = feed
            .entries
            .iter()
            .map(|e| {
                let (id, title, summary) = (e.id.as_str(), e.title.as_str(), e.summary.as_str());
                (id, title, summary, e.published.as_str(), e.updated.as_str())
            })
            .collect();
        assert_eq!(
            entries,
            [(
                post_url(kept).as_str(),
                "final title",
                "final",
                "2020-01-01T00:00:00Z",
                edited.as_str()
            )],
            "{path}"
        );
        assert_eq!(feed.updated, edited, "{path}: the latest change");
    }
    assert_ne!(app.get("/feed.xml").await.headers()[ETAG], before);
}

/// When post `id` was last edited, as the feeds and the sitemap write it.
pub async fn edit_time(app: &TestApp, id: i64) -> String {
    let edited: chrono::DateTime<chrono::Utc> = app
        .pg()
        .await
        .query_one("select updated_at from posts where id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    edited.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

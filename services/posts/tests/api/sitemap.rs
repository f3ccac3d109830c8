//! The sitemap and robots.txt: the sitemaps.org elements (urlset/url/loc/lastmod, and
//! sitemapindex/sitemap/loc past one page) read by a strict XML parser, pages that cover
//! every post once, an index from the protocol's 50,000 URLs on, and a sitemap that
//! follows new posts, edits and deletes.

use folio_model::users::ImageUrls;
use folio_posts::{config::Settings, readers::Readers};
use folio_shared::{
    db::Db,
    http::{HttpOptions, wrap_api},
    server::{App, BoundListener},
    test_utils::{TestServer, insert_user},
};
use poem::{EndpointExt, Route};
use reqwest::{
    Method, StatusCode,
    header::{CACHE_CONTROL, CONTENT_TYPE, ETAG},
};

use crate::{
    feeds_xml::edit_time,
    helpers::{assert_detail, spawn_app, spawn_app_with_users},
};

const SITEMAPS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const BASE: &str = "http://localhost:8000";

/// What a sitemap document lists: `(loc, lastmod)` of a urlset, or the `loc`s of an index.
#[derive(Debug, PartialEq)]
pub enum Listing {
    Urls(Vec<(String, Option<String>)>),
    Index(Vec<String>),
}

fn locs_of<'a>(parent: roxmltree::Node<'a, 'a>, item: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    let items: Vec<_> = parent.children().filter(|n| n.is_element()).collect();
    for node in &items {
        assert!(
            node.has_tag_name((SITEMAPS, item)),
            "only <{item}> in <{}>",
            parent.tag_name().name()
        );
    }
    items
}

/// The text of `node`'s `<name>`, of which the protocol allows at most one.
fn text_of(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    let mut found = node.children().filter(|n| n.has_tag_name((SITEMAPS, name)));
    let text = found
        .next()
        .map(|n| n.text().unwrap_or_default().to_owned());
    assert!(found.next().is_none(), "at most one <{name}>");
    text
}

/// A `<loc>`: an absolute URL on the site, under the protocol's 2,048 characters.
fn loc_of(node: roxmltree::Node<'_, '_>) -> String {
    let loc = text_of(node, "loc").expect("<loc>");
    assert!(loc.starts_with(BASE) && loc.len() < 2048, "{loc}");
    loc
}

/// A `<lastmod>`, when there is one: a W3C datetime (RFC 3339 with seconds here).
fn lastmod_of(node: roxmltree::Node<'_, '_>) -> Option<String> {
    let lastmod = text_of(node, "lastmod")?;
    chrono::DateTime::parse_from_rfc3339(&lastmod)
        .unwrap_or_else(|e| panic!("<lastmod> {lastmod:?}: {e}"));
    Some(lastmod)
}

fn parse(xml: &str) -> Listing {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    if root.has_tag_name((SITEMAPS, "urlset")) {
        Listing::Urls(
            locs_of(root, "url")
                .into_iter()
                .map(|url| (loc_of(url), lastmod_of(url)))
                .collect(),
        )
    } else {
        assert!(root.has_tag_name((SITEMAPS, "sitemapindex")), "{xml}");
        Listing::Index(locs_of(root, "sitemap").into_iter().map(loc_of).collect())
    }
}

pub async fn listing(client: &reqwest::Client, url: &str) -> Listing {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/xml; charset=utf-8"
    );
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=60");
    assert!(response.headers().contains_key(ETAG));
    parse(&response.text().await.unwrap())
}

/// Inserts `n` posts by `user_id`, post `i` at minute `i` of 2026; ids oldest first.
pub(crate) async fn insert_posts(pg: &tokio_postgres::Client, user_id: i64, n: i64) -> Vec<i64> {
    pg.query(
        "insert into posts (title, content, user_id, date_posted) \
         select 'post ' || g, 'content ' || g, $1, '2026-01-01T00:00:00Z'::timestamptz + g * interval '1 minute' \
         from generate_series(1, $2::int8) g returning id",
        &[&user_id, &n],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn minute(i: usize) -> Option<String> {
    Some(format!("2026-01-01T00:{i:02}:00Z"))
}

fn post(id: i64, i: usize) -> (String, Option<String>) {
    (format!("{BASE}/posts/{id}"), minute(i))
}

fn home(newest: Option<String>) -> (String, Option<String>) {
    (format!("{BASE}/"), newest)
}

#[tokio::test]
async fn a_small_site_is_one_urlset_of_the_home_page_and_every_post_oldest_first() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let ids = insert_posts(&app.pg().await, ann.id, 3).await;

    let listing = listing(&app.client, &app.url("/sitemap.xml")).await;

    assert_eq!(
        listing,
        Listing::Urls(vec![
            home(minute(3)),
            post(ids[0], 1),
            post(ids[1], 2),
            post(ids[2], 3)
        ])
    );
}

#[tokio::test]
async fn an_empty_site_lists_its_home_page() {
    let app = spawn_app().await;

    let listing = listing(&app.client, &app.url("/sitemap.xml")).await;

    assert_eq!(listing, Listing::Urls(vec![home(None)]));
}

#[tokio::test]
async fn the_sitemap_follows_new_posts_edits_and_deletes() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let first = app.create_post(&ann, "first", "a").await["id"]
        .as_i64()
        .unwrap();
    let second = app.create_post(&ann, "second", "b").await["id"]
        .as_i64()
        .unwrap();
    // Posted long ago, so the edit's time cannot fall in the same second.
    app.pg()
        .await
        .execute(
            "update posts set date_posted = '2020-01-01T00:00:00Z' where id = $1",
            &[&second],
        )
        .await
        .unwrap();
    let edit = app
        .send(
            Method::PUT,
            &format!("/api/posts/{second}"),
            Some(&ann.token),
            Some(serde_json::json!({"title": "second", "content": "b, revised"})),
        )
        .await;
    assert_eq!(edit.status(), StatusCode::OK);

    let delete = app
        .send(
            Method::DELETE,
            &format!("/api/posts/{first}"),
            Some(&ann.token),
            None,
        )
        .await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let third = app.create_post(&ann, "third", "c").await["id"]
        .as_i64()
        .unwrap();

    let Listing::Urls(urls) = listing(&app.client, &app.url("/sitemap.xml")).await else {
        panic!("one urlset");
    };
    let locs: Vec<&str> = urls.iter().map(|(loc, _)| loc.as_str()).collect();
    assert_eq!(
        locs,
        [
            format!("{BASE}/"),
            format!("{BASE}/posts/{second}"),
            format!("{BASE}/posts/{third}")
        ]
    );
    assert!(urls.iter().all(|(_, lastmod)| lastmod.is_some()));
    let edited = edit_time(&app, second).await;
    assert_ne!(edited, "2020-01-01T00:00:00Z");
    assert_eq!(
        urls[1].1.as_deref(),
        Some(edited.as_str()),
        "the edit's time"
    );
}

/// The reader routes alone, with sitemaps of `per_page` URLs, over a fresh database.
async fn spawn_paged(per_page: i64) -> TestServer<Settings> {
    TestServer::spawn(&[], move |settings: Settings| async move {
        let db = Db::from_settings(&settings.database)?;
        let urls = ImageUrls::from_settings(&settings.pictures);
        let readers = Readers::from_settings(&settings, db, urls)?.with_urls_per_sitemap(per_page);
        let routes = readers.route(Route::new());
        let app = wrap_api(routes, HttpOptions::json_api(Vec::new()));
        Ok(App::new(
            BoundListener::bind(settings.process.port).await?,
            app.boxed(),
        ))
    })
    .await
}

/// A sitemap of `per_page` URLs a page over `n` posts by ann: the server and the post ids.
async fn paged_with_posts(per_page: i64, n: i64) -> (TestServer<Settings>, Vec<i64>) {
    let server = spawn_paged(per_page).await;
    let ann = insert_user(&server.db, "ann").await;
    let ids = insert_posts(&server.pg().await, ann, n).await;
    (server, ids)
}

#[tokio::test]
async fn a_sitemap_that_fills_its_page_exactly_is_still_one_urlset() {
    let (server, ids) = paged_with_posts(3, 2).await;

    let listing = listing(&server.client, &server.url("/sitemap.xml")).await;

    assert_eq!(
        listing,
        Listing::Urls(vec![home(minute(2)), post(ids[0], 1), post(ids[1], 2)])
    );
}

async fn page(server: &TestServer<Settings>, n: usize) -> Listing {
    listing(
        &server.client,
        &server.url(&format!("/sitemap.xml?page={n}")),
    )
    .await
}

#[tokio::test]
async fn past_one_page_the_sitemap_is_an_index_whose_pages_list_every_post_once() {
    let (server, ids) = paged_with_posts(3, 7).await;

    let index = listing(&server.client, &server.url("/sitemap.xml")).await;

    let pages: Vec<String> = (1..=3)
        .map(|n| format!("{BASE}/sitemap.xml?page={n}"))
        .collect();
    assert_eq!(index, Listing::Index(pages));
    assert_eq!(
        page(&server, 1).await,
        Listing::Urls(vec![home(minute(7)), post(ids[0], 1), post(ids[1], 2)])
    );
    assert_eq!(
        page(&server, 2).await,
        Listing::Urls(vec![post(ids[2], 3), post(ids[3], 4), post(ids[4], 5)])
    );
    assert_eq!(
        page(&server, 3).await,
        Listing::Urls(vec![post(ids[5], 6), post(ids[6], 7)])
    );
}

#[tokio::test]
async fn the_protocols_fifty_thousand_urls_fill_one_urlset_and_one_more_makes_an_index() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let pg = app.pg().await;
    insert_posts(&pg, ann.id, 49_999).await;

    let Listing::Urls(urls) = listing(&app.client, &app.url("/sitemap.xml")).await else {
        panic!("one urlset up to 50,000 URLs");
    };
    assert_eq!(urls.len(), 50_000, "the home page and every post");

    let newest: i64 = pg
        .query_one(
            "insert into posts (title, content, user_id, date_posted) \
             values ('newest', 'x', $1, '2030-01-01T00:00:00Z') returning id",
            &[&ann.id],
        )
        .await
        .unwrap()
        .get(0);
    let index = listing(&app.client, &app.url("/sitemap.xml")).await;
    let pages: Vec<String> = (1..=2)
        .map(|n| format!("{BASE}/sitemap.xml?page={n}"))
        .collect();
    assert_eq!(index, Listing::Index(pages));
    let Listing::Urls(first) = listing(&app.client, &app.url("/sitemap.xml?page=1")).await else {
        panic!("a urlset");
    };
    assert_eq!(first.len(), 50_000);
    assert_eq!(first[0], home(Some("2030-01-01T00:00:00Z".to_owned())));
    assert_eq!(
        listing(&app.client, &app.url("/sitemap.xml?page=2")).await,
        Listing::Urls(vec![(
            format!("{BASE}/posts/{newest}"),
            Some("2030-01-01T00:00:00Z".to_owned())
        )])
    );
}

#[tokio::test]
async fn a_page_past_the_last_or_not_a_number_is_a_404() {
    let (server, _) = paged_with_posts(3, 4).await;

    for query in [
        "page=3",
        "page=0",
        "page=-1",
        "page=two",
        "page=99999999999999999",
    ] {
        let response = server
            .client
            .get(server.url(&format!("/sitemap.xml?{query}")))
            .send()
            .await
            .unwrap();
        assert_detail(response, StatusCode::NOT_FOUND, "Not Found").await;
    }
}

#[tokio::test]
async fn robots_txt_points_to_the_sitemap() {
    let app = spawn_app().await;

    let response = app.get("/robots.txt").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=60");
    assert_eq!(
        response.text().await.unwrap(),
        format!(
            "# Everything public may be crawled; the sitemap lists every post.\nUser-agent: *\nDisallow:\n\nSitemap: {BASE}/sitemap.xml\n"
        )
    );
}

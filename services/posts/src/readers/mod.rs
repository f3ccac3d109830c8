//! Readers beyond the browser: pages whose HTML names them (for link previews and crawlers
//! that run no script), Atom feeds, the sitemap and `robots.txt`, all at the public URL
//! (the gateway routes them here, docs/api.md "Pages, feeds and the sitemap").
//!
//! They render in posts because posts has the data: each is one indexed query, where the
//! gateway would need an API call per page and a template language to fill a head. Each
//! answer carries a strong `ETag` (a hash of its bytes, so `If-None-Match` gets a 304 from
//! the shared HTTP layer) and a `Cache-Control` suited to how fresh it must be.
//!
//! # Layout
//! - [`shell`]: the built `index.html` (`WEB_SHELL`) the pages are made from.
//! - [`pages`]: `GET /posts/{id}` and `GET /users/{id}/posts` as HTML.
//! - [`atom`]: `GET /feed.xml` and `GET /users/{id}/feed.xml`.
//! - [`sitemap`]: `GET /sitemap.xml` (paged past 50,000 URLs) and `GET /robots.txt`.
//! - [`text`]: escaping, excerpts and absolute URLs.

pub mod atom;
pub mod pages;
pub mod shell;
pub mod sitemap;
pub mod text;

use std::sync::Arc;

use folio_model::users::ImageUrls;
use folio_shared::{db::Db, http::etag_of};
use poem::{EndpointExt, Response, Route, get, http::header};

use crate::config::Settings;

use self::{atom::Feeds, pages::Pages, shell::Shell, sitemap::Sitemap};

/// A page: revalidated on every view, so an edit shows at once (unchanged, it is a 304).
pub const PAGE_CACHE: &str = "no-cache";

/// Feeds, the sitemap and `robots.txt`: readers poll them, and a minute late is on time.
pub const FEED_CACHE: &str = "public, max-age=60";

/// The public URL (`FRONTEND_URL`, no trailing `/`) every link is written against.
#[derive(Debug, Clone)]
pub struct Site {
    base: String,
}

impl Site {
    /// The site at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The base URL itself.
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// A 200 of `body` with its `ETag`.
fn tagged(content_type: &'static str, cache_control: &'static str, body: String) -> Response {
    Response::builder()
        .content_type(content_type)
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::ETAG, etag_of(body.as_bytes()))
        .body(body)
}

/// A path id as the app reads it (`/posts/7`): ASCII digits only; anything else is no page.
fn path_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// Every reader-facing route, to add beside the API.
pub struct Readers {
    pages: Arc<Pages>,
    feeds: Arc<Feeds>,
    sitemap: Arc<Sitemap>,
}

impl Readers {
    /// Reads the shell (see [`Shell::from_settings`] for a missing one) and links against
    /// `FRONTEND_URL`.
    pub fn from_settings(settings: &Settings, db: Db, urls: ImageUrls) -> anyhow::Result<Self> {
        let site = Site::new(&settings.frontend_url);
        let shell = Shell::from_settings(settings)?;
        Ok(Self {
            pages: Arc::new(Pages::new(db.clone(), site.clone(), urls, shell)),
            feeds: Arc::new(Feeds::new(db.clone(), site.clone())),
            sitemap: Arc::new(Sitemap::new(db, site, sitemap::URLS_PER_SITEMAP)),
        })
    }

    /// The same with sitemaps of at most `urls` URLs (tests page with a few).
    pub fn with_urls_per_sitemap(self, urls: i64) -> Self {
        let sitemap = Sitemap::new(self.sitemap.db().clone(), self.sitemap.site().clone(), urls);
        Self {
            sitemap: Arc::new(sitemap),
            ..self
        }
    }

    /// `route` with the reader routes added.
    pub fn route(self, route: Route) -> Route {
        route
            .at("/posts/:id", get(pages::post_page).data(self.pages.clone()))
            .at("/users/:id/posts", get(pages::user_page).data(self.pages))
            .at("/feed.xml", get(atom::site_feed).data(self.feeds.clone()))
            .at("/users/:id/feed.xml", get(atom::user_feed).data(self.feeds))
            .at(
                "/sitemap.xml",
                get(sitemap::sitemap_xml).data(self.sitemap.clone()),
            )
            .at("/robots.txt", get(sitemap::robots_txt).data(self.sitemap))
    }
}

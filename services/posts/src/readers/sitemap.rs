//! `GET /sitemap.xml` (the sitemaps.org protocol) and `GET /robots.txt`, which points to it.
//!
//! The sitemap lists the home page, then every post, oldest first, each with its
//! `lastmod`: when its title or content last changed (`coalesce(updated_at, date_posted)`,
//! `updated_at` set by a trigger, V9); the home page's is the latest change among the
//! newest posts it shows (as the site feed's `updated`). Up to [`URLS_PER_SITEMAP`] URLs it
//! is one `urlset`; past that, a `sitemapindex` naming `/sitemap.xml?page=1`, `?page=2`,
//! ... each a `urlset` of that many URLs. Oldest first, so a new post lands on the last
//! page and earlier pages stay as they were until one of their posts is edited or deleted.
//! A page is one walk of the feed index (reading each post's row for its edit time).

use std::{fmt::Write, sync::Arc};

use chrono::{DateTime, Utc};
use folio_shared::{
    db::{Db, Queryable, Sql},
    http::detail_response,
};
use poem::{Request, Response, handler, http::StatusCode, web::Data};
use tokio_postgres::{Row, types::Type};

use super::{FEED_CACHE, Site, tagged, text};
use crate::error::PostsError;

/// URLs in one sitemap, the protocol's limit (its other, 50 MB, is far off: a URL here
/// takes about 120 bytes).
pub const URLS_PER_SITEMAP: i64 = 50_000;

const XML: &str = "application/xml; charset=utf-8";

/// The home page's `lastmod`: the latest change among the 20 newest posts (what the home
/// page and the site feed show first), read from the top of the feed index.
macro_rules! home_lastmod {
    () => {
        "(select max(coalesce(updated_at, date_posted)) from (\
           select updated_at, date_posted from posts order by date_posted desc, id desc limit 20\
         ) newest) as newest"
    };
}

/// The whole sitemap when it fits one page (`$1` URLs): the post count, the home page's
/// `lastmod`, and, only while `posts < $1` (a one-time filter: past it no post is read),
/// every post oldest first with its last change. No outer `order by`: through the join
/// with the one totals row the planner would sort all the posts again (on disk past a few
/// thousand); [`Listing::of`] puts them in order instead, which costs nothing when they
/// already are.
const WHOLE_SITEMAP: Sql = Sql::new(
    concat!(
        "select t.posts as total, ",
        home_lastmod!(),
        ", p.id, p.date_posted, p.lastmod \
         from post_totals t left join lateral (\
           select id, date_posted, coalesce(updated_at, date_posted) as lastmod from posts \
           where t.posts < $1 order by date_posted, id limit $1) p on true"
    ),
    &[Type::INT8],
);

/// One page of the paged sitemap: the post count, the home page's `lastmod`, and the posts
/// after `$1` others (oldest first), `$2` of them, each with its last change (ordered as in
/// [`WHOLE_SITEMAP`]).
const SITEMAP_PAGE: Sql = Sql::new(
    concat!(
        "select t.posts as total, ",
        home_lastmod!(),
        ", p.id, p.date_posted, p.lastmod \
         from post_totals t left join lateral (\
           select id, date_posted, coalesce(updated_at, date_posted) as lastmod from posts \
           order by date_posted, id offset $1 limit $2) p on true"
    ),
    &[Type::INT8, Type::INT8],
);

/// Writes the sitemap and `robots.txt`.
pub struct Sitemap {
    db: Db,
    site: Site,
    per_page: i64,
}

/// The sitemap's rows: totals from the first, posts from those with an id.
struct Listing {
    total: i64,
    newest: Option<DateTime<Utc>>,
    posts: Vec<ListedPost>,
}

/// A post as the sitemap lists it.
struct ListedPost {
    posted: DateTime<Utc>,
    id: i64,
    lastmod: DateTime<Utc>,
}

impl Listing {
    /// The rows' posts oldest first (`date_posted`, then `id`, as the feed index orders
    /// them).
    fn of(rows: &[Row]) -> Self {
        let first = rows.first();
        let mut posts: Vec<ListedPost> = rows
            .iter()
            .filter_map(|r| {
                Some(ListedPost {
                    id: r.get::<_, Option<i64>>("id")?,
                    posted: r.get("date_posted"),
                    lastmod: r.get("lastmod"),
                })
            })
            .collect();
        // Linear on rows already in order, as the query returns them.
        posts.sort_by_key(|post| (post.posted, post.id));
        Self {
            total: first.map_or(0, |r| r.get("total")),
            newest: first.and_then(|r| r.get("newest")),
            posts,
        }
    }
}

impl Sitemap {
    /// Sitemaps of at most `per_page` URLs (at least 2: the home page and a post).
    pub fn new(db: Db, site: Site, per_page: i64) -> Self {
        Self {
            db,
            site,
            per_page: per_page.max(2),
        }
    }

    /// The pool it reads.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The site it links to.
    pub fn site(&self) -> &Site {
        &self.site
    }

    async fn whole(&self) -> Result<Response, PostsError> {
        let rows = self
            .db
            .conn()
            .await?
            .query(&WHOLE_SITEMAP, &[&self.per_page])
            .await?;
        let listing = Listing::of(&rows);
        // The home page is a URL too.
        if listing.total < self.per_page {
            return Ok(tagged(XML, FEED_CACHE, self.urlset(true, &listing)));
        }
        // ceil((total + 1) / per_page): the home page is a URL too.
        let pages = (listing.total + self.per_page) / self.per_page;
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for page in 1..=pages {
            let loc = text::escape(&self.site.url(&format!("/sitemap.xml?page={page}")));
            let _ = writeln!(xml, "  <sitemap><loc>{loc}</loc></sitemap>");
        }
        xml.push_str("</sitemapindex>\n");
        Ok(tagged(XML, FEED_CACHE, xml))
    }

    /// Page `page` (from 1): the home page and then posts on the first, posts only after.
    async fn page(&self, page: i64) -> Result<Response, PostsError> {
        let (skip, take) = if page == 1 {
            (0, self.per_page - 1)
        } else {
            let Some(skip) = (page - 1)
                .checked_mul(self.per_page)
                .map(|urls_before| urls_before - 1)
            else {
                return Ok(no_such_page());
            };
            (skip, self.per_page)
        };
        let rows = self
            .db
            .conn()
            .await?
            .query(&SITEMAP_PAGE, &[&skip, &take])
            .await?;
        let listing = Listing::of(&rows);
        if page > 1 && listing.posts.is_empty() {
            return Ok(no_such_page());
        }
        Ok(tagged(XML, FEED_CACHE, self.urlset(page == 1, &listing)))
    }

    fn urlset(&self, with_home: bool, listing: &Listing) -> String {
        let mut xml = String::with_capacity(200 + listing.posts.len() * 120);
        xml.push_str(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        let mut url = |path: &str, lastmod: Option<DateTime<Utc>>| {
            let loc = text::escape(&self.site.url(path));
            let _ = match lastmod {
                Some(at) => writeln!(
                    xml,
                    "  <url><loc>{loc}</loc><lastmod>{}</lastmod></url>",
                    text::timestamp(at)
                ),
                None => writeln!(xml, "  <url><loc>{loc}</loc></url>"),
            };
        };
        if with_home {
            url("/", listing.newest);
        }
        for post in &listing.posts {
            url(&format!("/posts/{}", post.id), Some(post.lastmod));
        }
        xml.push_str("</urlset>\n");
        xml
    }

    fn robots(&self) -> Response {
        let body = format!(
            "# Everything public may be crawled; the sitemap lists every post.\n\
             User-agent: *\n\
             Disallow:\n\
             \n\
             Sitemap: {}\n",
            self.site.url("/sitemap.xml")
        );
        tagged("text/plain; charset=utf-8", FEED_CACHE, body)
    }
}

fn no_such_page() -> Response {
    detail_response(StatusCode::NOT_FOUND, "Not Found")
}

/// The `page` of a query string: `None` without one, `Err` for anything but a whole
/// number from 1.
fn page_of(query: &str) -> Result<Option<i64>, ()> {
    let mut page = None;
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("page=") {
            if !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            match value.parse::<i64>() {
                Ok(n) if n >= 1 => page = Some(n),
                _ => return Err(()),
            }
        }
    }
    Ok(page)
}

/// `GET /sitemap.xml[?page=N]`.
#[handler]
pub async fn sitemap_xml(req: &Request, map: Data<&Arc<Sitemap>>) -> poem::Result<Response> {
    Ok(match page_of(req.uri().query().unwrap_or_default()) {
        Ok(None) => map.whole().await?,
        Ok(Some(page)) => map.page(page).await?,
        Err(()) => no_such_page(),
    })
}

/// `GET /robots.txt`.
#[handler]
pub async fn robots_txt(map: Data<&Arc<Sitemap>>) -> Response {
    map.robots()
}

#[cfg(test)]
mod tests {
    use super::page_of;

    #[test]
    fn a_page_is_a_whole_number_from_one() {
        assert_eq!(page_of(""), Ok(None));
        assert_eq!(page_of("page=3"), Ok(Some(3)));
        assert_eq!(page_of("x=1&page=2"), Ok(Some(2)));
        for bad in [
            "page=0",
            "page=-1",
            "page=",
            "page=1x",
            "page=+1",
            "page=99999999999999999999",
        ] {
            assert_eq!(page_of(bad), Err(()), "{bad}");
        }
    }
}

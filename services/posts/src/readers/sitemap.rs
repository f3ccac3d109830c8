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
use tokio_postgres::types::Type;

use super::{FEED_CACHE, Site, tagged, text};
use crate::error::PostsError;

/// URLs in one sitemap, the protocol's limit (its other, 50 MB, is far off: a URL here
/// takes about 120 bytes).
pub const URLS_PER_SITEMAP: i64 = 50_000;

const XML: &str = "application/xml; charset=utf-8";

/// How many posts there are and the home page's `lastmod`: the latest change among the 20
/// newest posts (what the home page and the site feed show first), read from the top of
/// the feed index. No parameter and a one-row table, so its plan stays small whatever the
/// site's size: the sitemap index past one page is this statement alone.
pub const SITEMAP_TOTALS: Sql = Sql::new(
    "select t.posts as total, \
       (select max(coalesce(updated_at, date_posted)) from (\
          select updated_at, date_posted from posts order by date_posted desc, id desc limit 20\
        ) newest) as newest \
     from post_totals t",
    &[],
);

/// The posts after `$1` others, oldest first, `$2` of them, each with its last change:
/// one walk of the feed index (backwards), reading each listed post's row.
pub const SITEMAP_POSTS: Sql = Sql::new(
    "select id, coalesce(updated_at, date_posted) as lastmod from posts \
     order by date_posted, id offset $1 limit $2",
    &[Type::INT8, Type::INT8],
);

/// Writes the sitemap and `robots.txt`.
pub struct Sitemap {
    db: Db,
    site: Site,
    per_page: i64,
}

/// How many posts there are and when the home page last changed.
struct Totals {
    posts: i64,
    newest: Option<DateTime<Utc>>,
}

/// A post as the sitemap lists it.
struct ListedPost {
    id: i64,
    lastmod: DateTime<Utc>,
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

    async fn totals(&self, conn: &impl Queryable) -> Result<Totals, PostsError> {
        // V5 creates the one totals row; no row would mean an empty site.
        let row = conn.query_opt(&SITEMAP_TOTALS, &[]).await?;
        Ok(Totals {
            posts: row.as_ref().map_or(0, |r| r.get("total")),
            newest: row.and_then(|r| r.get("newest")),
        })
    }

    async fn posts(
        &self,
        conn: &impl Queryable,
        skip: i64,
        take: i64,
    ) -> Result<Vec<ListedPost>, PostsError> {
        let rows = conn.query(&SITEMAP_POSTS, &[&skip, &take]).await?;
        Ok(rows
            .iter()
            .map(|r| ListedPost {
                id: r.get("id"),
                lastmod: r.get("lastmod"),
            })
            .collect())
    }

    /// The home page and every post when they fit one sitemap, else the index of its
    /// pages (one small read however many posts there are).
    async fn whole(&self) -> Result<Response, PostsError> {
        let conn = self.db.conn().await?;
        let totals = self.totals(&conn).await?;
        // The home page is a URL too.
        if totals.posts < self.per_page {
            let posts = self.posts(&conn, 0, self.per_page - 1).await?;
            return Ok(tagged(XML, FEED_CACHE, self.urlset(Some(&totals), &posts)));
        }
        // ceil((posts + 1) / per_page): the home page is a URL too.
        let pages = (totals.posts + self.per_page) / self.per_page;
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
        let conn = self.db.conn().await?;
        if page == 1 {
            // Both statements go out at once on the one connection.
            let (totals, posts) =
                tokio::try_join!(self.totals(&conn), self.posts(&conn, 0, self.per_page - 1))?;
            return Ok(tagged(XML, FEED_CACHE, self.urlset(Some(&totals), &posts)));
        }
        let Some(skip) = (page - 1)
            .checked_mul(self.per_page)
            .map(|urls_before| urls_before - 1)
        else {
            return Ok(no_such_page());
        };
        let posts = self.posts(&conn, skip, self.per_page).await?;
        if posts.is_empty() {
            return Ok(no_such_page());
        }
        Ok(tagged(XML, FEED_CACHE, self.urlset(None, &posts)))
    }

    /// A `urlset` of the posts, after the home page when its totals are given.
    fn urlset(&self, home: Option<&Totals>, posts: &[ListedPost]) -> String {
        let mut xml = String::with_capacity(200 + posts.len() * 120);
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
        if let Some(totals) = home {
            url("/", totals.newest);
        }
        for post in posts {
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

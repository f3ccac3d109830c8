//! Atom 1.0 feeds (RFC 4287) for feed readers: `GET /feed.xml`, everyone's 20 newest
//! posts, and `GET /users/{id}/feed.xml`, one author's (404 `{"detail": "User not found"}`
//! for an unknown user, as the JSON feed says it: a feed reader shows no page either way).
//! An entry's `id` is its post's URL, stable while `FRONTEND_URL` is; its summary is a
//! plain-text excerpt; `published` is when it was posted and `updated` when its title or
//! content last changed (`posts.updated_at`, set by a trigger, V9), so a reader shows an
//! edit as one. The feed's `updated` is the latest of its entries'.

use std::{fmt::Write, sync::Arc};

use chrono::{DateTime, Utc};
use folio_shared::db::{Db, Queryable, Sql};
use poem::{
    Response, handler,
    web::{Data, Path},
};
use tokio_postgres::{Row, types::Type};

use super::{FEED_CACHE, Site, path_id, tagged, text};
use crate::error::PostsError;

/// Entries in a feed.
pub const FEED_ENTRIES: i64 = 20;

/// Characters of an entry's summary.
pub const SUMMARY_CHARS: usize = 500;

const ATOM: &str = "application/atom+xml; charset=utf-8";

/// The newest posts with their authors: the feed index walked from its top, each author
/// looked up by primary key (a lateral subquery, as in `repo`, so no plan hashes users).
const SITE_FEED: Sql = Sql::new(
    "select p.id, p.title, substr(p.content, 1, 2000) as opening, p.user_id, p.date_posted, \
       coalesce(p.updated_at, p.date_posted) as updated, u.username \
     from posts p cross join lateral (select username from users where users.id = p.user_id) u \
     order by p.date_posted desc, p.id desc limit 20",
    &[],
);

/// One user (no row when unknown) with their newest posts (one row of nulls when none),
/// read from the per-user index.
const USER_FEED: Sql = Sql::new(
    "select u.id as user_id, u.username, p.id, p.title, p.opening, p.date_posted, p.updated \
     from users u left join lateral (\
       select id, title, substr(content, 1, 2000) as opening, date_posted, \
         coalesce(updated_at, date_posted) as updated from posts \
       where posts.user_id = u.id order by date_posted desc, id desc limit 20) p on true \
     where u.id = $1 \
     order by p.date_posted desc, p.id desc",
    &[Type::INT8],
);

/// Writes the feeds.
pub struct Feeds {
    db: Db,
    site: Site,
}

/// A feed's own elements.
struct FeedHead {
    title: String,
    /// The feed's path, e.g. `/feed.xml`: its `self` link and its id.
    path: String,
    /// The HTML page it follows, e.g. `/`.
    page: String,
}

impl Feeds {
    /// Feeds linking against `site`.
    pub fn new(db: Db, site: Site) -> Self {
        Self { db, site }
    }

    async fn site_feed(&self) -> Result<Response, PostsError> {
        let rows = self.db.conn().await?.query(&SITE_FEED, &[]).await?;
        let head = FeedHead {
            title: "Folio".to_owned(),
            path: "/feed.xml".to_owned(),
            page: "/".to_owned(),
        };
        Ok(tagged(ATOM, FEED_CACHE, self.write(&head, &rows)))
    }

    async fn user_feed(&self, raw_id: &str) -> Result<Response, PostsError> {
        let id = path_id(raw_id).ok_or(PostsError::UserNotFound)?;
        let rows = self.db.conn().await?.query(&USER_FEED, &[&id]).await?;
        let username: String = rows
            .first()
            .ok_or(PostsError::UserNotFound)?
            .get("username");
        let head = FeedHead {
            title: format!("{username}'s posts · Folio"),
            path: format!("/users/{id}/feed.xml"),
            page: format!("/users/{id}/posts"),
        };
        let posts: Vec<Row> = rows
            .into_iter()
            .filter(|row| row.get::<_, Option<i64>>("id").is_some())
            .collect();
        Ok(tagged(ATOM, FEED_CACHE, self.write(&head, &posts)))
    }

    /// The document; `rows` are posts, newest first.
    fn write(&self, head: &FeedHead, rows: &[Row]) -> String {
        let e = text::escape;
        let url = |path: &str| e(&self.site.url(path));
        // The latest change among the entries (an edit of an older post counts). An empty
        // feed changed last at no time in particular: the epoch keeps its bytes (and ETag)
        // the same until a post comes.
        let updated = rows
            .iter()
            .map(|row| row.get::<_, DateTime<Utc>>("updated"))
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let mut xml = String::with_capacity(1024 + rows.len() * 1024);
        let _ = write!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <feed xmlns=\"http://www.w3.org/2005/Atom\">\n  \
             <id>{self_url}</id>\n  \
             <title type=\"text\">{title}</title>\n  \
             <updated>{updated}</updated>\n  \
             <link rel=\"self\" type=\"application/atom+xml\" href=\"{self_url}\"/>\n  \
             <link rel=\"alternate\" type=\"text/html\" href=\"{page_url}\"/>\n  \
             <generator>Folio</generator>\n",
            self_url = url(&head.path),
            title = e(&head.title),
            updated = text::timestamp(updated),
            page_url = url(&head.page),
        );
        for row in rows {
            let id: i64 = row.get("id");
            let user_id: i64 = row.get("user_id");
            let posted = text::timestamp(row.get("date_posted"));
            let updated = text::timestamp(row.get("updated"));
            let post_url = url(&format!("/posts/{id}"));
            let _ = write!(
                xml,
                "  <entry>\n    \
                 <id>{post_url}</id>\n    \
                 <title type=\"text\">{title}</title>\n    \
                 <link rel=\"alternate\" type=\"text/html\" href=\"{post_url}\"/>\n    \
                 <published>{posted}</published>\n    \
                 <updated>{updated}</updated>\n    \
                 <author>\n      <name>{author}</name>\n      <uri>{author_url}</uri>\n    </author>\n    \
                 <summary type=\"text\">{summary}</summary>\n  \
                 </entry>\n",
                title = e(row.get("title")),
                author = e(row.get("username")),
                author_url = url(&format!("/users/{user_id}/posts")),
                summary = e(&text::excerpt(row.get("opening"), SUMMARY_CHARS)),
            );
        }
        xml.push_str("</feed>\n");
        xml
    }
}

/// `GET /feed.xml`.
#[handler]
pub async fn site_feed(feeds: Data<&Arc<Feeds>>) -> poem::Result<Response> {
    Ok(feeds.site_feed().await?)
}

/// `GET /users/{id}/feed.xml`.
#[handler]
pub async fn user_feed(Path(id): Path<String>, feeds: Data<&Arc<Feeds>>) -> poem::Result<Response> {
    Ok(feeds.user_feed(&id).await?)
}

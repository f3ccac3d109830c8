//! The paginated feeds: everyone's posts and one user's, newest first with the id as
//! tie-break, so the order is total and stable: consecutive pages never repeat or skip a
//! post while the feed does not change (posts added between requests shift later pages,
//! as with any offset paging). A `cursor` from the previous page instead starts the page
//! right after that page's last post, wherever it now is (see [`crate::cursor`]); such a
//! page reads one post more than it shows, so `has_more` says whether anything follows
//! even when posts were added above it meanwhile (which `skip + len < total` cannot).
//! A page also stops once its `content` passes 1 MB (see [`repo::PAGE_CONTENT_BYTES`]),
//! holding fewer than `limit` posts; `has_more` and `next_cursor` then continue after the
//! last post it shows.
//!
//! Pages by `skip` are served from the [`ReadCache`] to anonymous readers; pages by
//! `cursor` always read the database.

use folio_model::users::ImageUrls;
use folio_shared::{
    db::Db,
    http::{Representation, TaggedJson},
    validation::{IntRule, ValidationErrors},
};
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
};

use crate::{
    cache::{ReadCache, ReadKey, Reader},
    cursor::FeedCursor,
    error::PostsError,
    model::{PaginatedPostsResponse, PostResponse, representation},
    repo::{self, FeedPage, PageStart},
};

/// Largest page a client may ask for.
pub const MAX_LIMIT: i64 = 100;

/// `skip`: posts before the page. `page_bounds` checks it and `docs.rs` states it.
pub const SKIP: IntRule = IntRule { min: 0, max: None };

/// `limit`: the page size, 1 to [`MAX_LIMIT`]. `page_bounds` checks it and `docs.rs`
/// states it.
pub const LIMIT: IntRule = IntRule {
    min: 1,
    max: Some(MAX_LIMIT),
};

/// Feed endpoints.
pub struct FeedsApi {
    db: Db,
    urls: ImageUrls,
    default_limit: i64,
    cache: ReadCache,
}

impl FeedsApi {
    /// The endpoints over the pool; `default_limit` is `POSTS_PER_PAGE`; pages by `skip`
    /// go through `cache`.
    pub fn new(db: Db, urls: ImageUrls, default_limit: u32, cache: ReadCache) -> Self {
        Self {
            db,
            urls,
            default_limit: i64::from(default_limit),
            cache,
        }
    }

    /// Where the page starts and its bounds: [`SKIP`] and [`LIMIT`] (with pydantic's
    /// messages), and a cursor this service wrote, if any.
    fn page_bounds(
        &self,
        skip: Option<i64>,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Page, PostsError> {
        let (skip, limit) = (skip.unwrap_or(0), limit.unwrap_or(self.default_limit));
        SKIP.check_query("skip", skip)?;
        LIMIT.check_query("limit", limit)?;
        let start = match cursor {
            None => PageStart::Skip(skip),
            Some(text) => PageStart::After(text.parse::<FeedCursor>().map_err(|_| {
                let loc = vec!["query".to_owned(), "cursor".to_owned()];
                ValidationErrors::single(loc, "Invalid cursor", "value_error")
            })?),
        };
        Ok(Page { start, skip, limit })
    }

    /// Rows to read for `page`: one more than it shows when it starts at a cursor.
    fn rows_to_read(page: &Page) -> i64 {
        match page.start {
            PageStart::Skip(_) => page.limit,
            PageStart::After(_) => page.limit + 1,
        }
    }

    fn respond(&self, page: FeedPage, request: Page) -> Result<Representation, PostsError> {
        let Page { start, skip, limit } = request;
        let posts: Vec<_> = page
            .posts()
            .take(limit as usize)
            .map(|row| PostResponse::from_row(row, &self.urls))
            .collect();
        let has_more = match start {
            PageStart::Skip(_) => skip.saturating_add(posts.len() as i64) < page.total,
            // The index gave more rows than are shown: the look-ahead row, or posts past
            // the byte bound.
            PageStart::After(_) => page.read() > posts.len() || page.more_read,
        };
        let next_cursor = posts.last().filter(|_| has_more).map(|last| {
            FeedCursor {
                date_posted: last.date_posted,
                id: last.id,
            }
            .to_string()
        });
        representation(&PaginatedPostsResponse {
            posts,
            total: page.total,
            skip,
            limit,
            has_more,
            next_cursor,
        })
    }

    /// A page of everyone's posts, or of `user`'s, as sent, from the database.
    async fn load(&self, user: Option<i64>, page: Page) -> Result<Representation, PostsError> {
        let conn = self.db.conn().await?;
        let rows = Self::rows_to_read(&page);
        let found = match user {
            None => repo::feed_page(&conn, page.start, rows).await?,
            Some(user) => repo::user_feed_page(&conn, user, page.start, rows)
                .await?
                .ok_or(PostsError::UserNotFound)?,
        };
        self.respond(found, page)
    }

    /// A page of everyone's posts, or of `user`'s: by `skip`, kept bytes for an anonymous
    /// reader when fresh; by `cursor`, always from the database.
    async fn read(
        &self,
        user: Option<i64>,
        page: Page,
        reader: Reader,
    ) -> Result<FeedResponse, PostsError> {
        let limit = page.limit;
        let key = match (page.start, user) {
            (PageStart::After(_), _) => None,
            (PageStart::Skip(skip), None) => Some(ReadKey::Feed { skip, limit }),
            (PageStart::Skip(skip), Some(user)) => Some(ReadKey::UserFeed { user, skip, limit }),
        };
        let load = self.load(user, page);
        let body = match key {
            Some(key) => self.cache.read(key, reader, load).await?,
            None => load.await?,
        };
        Ok(FeedResponse::Ok(TaggedJson::new(body)))
    }
}

/// A validated page request.
#[derive(Clone, Copy)]
struct Page {
    start: PageStart,
    /// Posts before this page (with a cursor, as the client counted them: echoed).
    skip: i64,
    limit: i64,
}

#[derive(ApiResponse)]
enum FeedResponse {
    /// One page of posts, newest first.
    #[oai(status = 200)]
    Ok(TaggedJson<PaginatedPostsResponse>),
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Feeds.
    Feeds,
}

#[OpenApi(tag = "Tags::Feeds")]
impl FeedsApi {
    /// Everyone's posts, newest first.
    ///
    /// `cursor` (optional) is the previous page's `next_cursor`: the page then starts right
    /// after that page's last post, at the cost of the first page at any depth, and
    /// `has_more` says whether any post follows this page (`skip`, the number of posts
    /// already shown, is then only echoed).
    #[oai(path = "/api/posts", method = "get")]
    async fn feed(
        &self,
        skip: Query<Option<i64>>,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
        reader: Reader,
    ) -> Result<FeedResponse, PostsError> {
        let page = self.page_bounds(skip.0, limit.0, cursor.0.as_deref())?;
        self.read(None, page, reader).await
    }

    /// One user's posts, newest first (`cursor` as in the public feed).
    #[oai(path = "/api/users/:id/posts", method = "get")]
    async fn user_feed(
        &self,
        id: Path<i64>,
        skip: Query<Option<i64>>,
        limit: Query<Option<i64>>,
        cursor: Query<Option<String>>,
        reader: Reader,
    ) -> Result<FeedResponse, PostsError> {
        let page = self.page_bounds(skip.0, limit.0, cursor.0.as_deref())?;
        self.read(Some(id.0), page, reader).await
    }
}

//! The paginated feeds: everyone's posts and one user's, newest first with the id as
//! tie-break, so the order is total and stable: consecutive pages never repeat or skip a
//! post while the feed does not change (posts added between requests shift later pages,
//! as with any offset paging).

use folio_shared::{db::Db, users::ImageUrls, validation::ValidationErrors};
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    error::PostsError,
    model::{PaginatedPostsResponse, post_from_row},
    repo::{self, FeedPage},
};

/// Largest page a client may ask for.
pub const MAX_LIMIT: i64 = 100;

/// Feed endpoints.
pub struct FeedsApi {
    db: Db,
    urls: ImageUrls,
    default_limit: i64,
}

impl FeedsApi {
    /// The endpoints over the pool; `default_limit` is `POSTS_PER_PAGE`.
    pub fn new(db: Db, urls: ImageUrls, default_limit: u32) -> Self {
        Self {
            db,
            urls,
            default_limit: i64::from(default_limit),
        }
    }

    /// `skip >= 0` and `1 <= limit <= 100`, with pydantic's messages.
    fn page_bounds(&self, skip: Option<i64>, limit: Option<i64>) -> Result<(i64, i64), PostsError> {
        let (skip, limit) = (skip.unwrap_or(0), limit.unwrap_or(self.default_limit));
        let query = |name: &str| vec!["query".to_owned(), name.to_owned()];
        if skip < 0 {
            return Err(ValidationErrors::single(
                query("skip"),
                "Input should be greater than or equal to 0",
                "greater_than_equal",
            )
            .into());
        }
        if limit < 1 {
            return Err(ValidationErrors::single(
                query("limit"),
                "Input should be greater than or equal to 1",
                "greater_than_equal",
            )
            .into());
        }
        if limit > MAX_LIMIT {
            return Err(ValidationErrors::single(
                query("limit"),
                "Input should be less than or equal to 100",
                "less_than_equal",
            )
            .into());
        }
        Ok((skip, limit))
    }

    fn respond(&self, page: FeedPage, skip: i64, limit: i64) -> FeedResponse {
        let posts: Vec<_> = page
            .rows
            .iter()
            .map(|row| post_from_row(row, &self.urls))
            .collect();
        let has_more = skip.saturating_add(posts.len() as i64) < page.total;
        FeedResponse::Ok(Json(PaginatedPostsResponse {
            posts,
            total: page.total,
            skip,
            limit,
            has_more,
        }))
    }
}

#[derive(ApiResponse)]
enum FeedResponse {
    /// One page of posts, newest first.
    #[oai(status = 200)]
    Ok(Json<PaginatedPostsResponse>),
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Feeds.
    Feeds,
}

#[OpenApi(tag = "Tags::Feeds")]
impl FeedsApi {
    /// Everyone's posts, newest first.
    #[oai(path = "/api/posts", method = "get")]
    async fn feed(
        &self,
        skip: Query<Option<i64>>,
        limit: Query<Option<i64>>,
    ) -> poem::Result<FeedResponse> {
        let (skip, limit) = self.page_bounds(skip.0, limit.0)?;
        let conn = self.db.conn().await.map_err(PostsError::from)?;
        let page = repo::feed_page(&conn, skip, limit)
            .await
            .map_err(PostsError::from)?;
        Ok(self.respond(page, skip, limit))
    }

    /// One user's posts, newest first.
    #[oai(path = "/api/users/:id/posts", method = "get")]
    async fn user_feed(
        &self,
        id: Path<i64>,
        skip: Query<Option<i64>>,
        limit: Query<Option<i64>>,
    ) -> poem::Result<FeedResponse> {
        let (skip, limit) = self.page_bounds(skip.0, limit.0)?;
        let conn = self.db.conn().await.map_err(PostsError::from)?;
        let page = repo::user_feed_page(&conn, id.0, skip, limit)
            .await
            .map_err(PostsError::from)?
            .ok_or(PostsError::UserNotFound)?;
        Ok(self.respond(page, skip, limit))
    }
}

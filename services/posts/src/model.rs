//! What the posts endpoints return, and how a row becomes it.

use chrono::{DateTime, Utc};
use folio_shared::users::{ImageUrls, UserPublic};
use poem_openapi::Object;
use tokio_postgres::Row;

/// A post with its author.
#[derive(Debug, Clone, Object)]
pub struct PostResponse {
    /// Id.
    pub id: i64,
    /// 1 to 100 characters.
    pub title: String,
    /// The text, verbatim.
    pub content: String,
    /// The author's id.
    pub user_id: i64,
    /// When it was posted (RFC 3339, UTC).
    pub date_posted: DateTime<Utc>,
    /// The author's public profile.
    pub author: UserPublic,
}

/// One page of a feed, newest first.
#[derive(Debug, Clone, Object)]
pub struct PaginatedPostsResponse {
    /// The posts of this page.
    pub posts: Vec<PostResponse>,
    /// Posts in the whole feed.
    pub total: i64,
    /// Posts skipped before this page.
    pub skip: i64,
    /// Page size asked for.
    pub limit: i64,
    /// `skip + len(posts) < total`; with a `cursor`, whether any post follows this page.
    pub has_more: bool,
    /// Pass as `cursor` (with `skip` = posts seen so far) to get the next page at the cost
    /// of the first; null when there is nothing more. Not in the FastAPI blog's API.
    pub next_cursor: Option<String>,
}

/// Reads a post and its author from the columns every posts query selects:
/// `id, title, content, user_id, date_posted, username, image_file`.
pub fn post_from_row(row: &Row, urls: &ImageUrls) -> PostResponse {
    let user_id: i64 = row.get("user_id");
    PostResponse {
        id: row.get("id"),
        title: row.get("title"),
        content: row.get("content"),
        user_id,
        date_posted: row.get("date_posted"),
        author: urls.public_user(user_id, row.get("username"), row.get("image_file")),
    }
}

//! What the posts endpoints return, and how a [`PostRow`] becomes it.
//!
//! The shapes derive `Object` for the OpenAPI document and `Serialize` for the bytes
//! sent: poem-openapi's `Json` builds a `serde_json::Value` tree first, and profiling put
//! ~30% of the feed's service time in allocating and freeing it. The fields serialise
//! exactly as `ToJSON` would (a test compares the two).

use anyhow::Context;
use chrono::{DateTime, Utc};
use folio_model::users::{ImageUrls, UserPublic};
use folio_shared::http::Representation;
use poem_openapi::Object;
use serde::{Serialize, Serializer, ser::SerializeStruct};

use crate::{error::PostsError, repo::PostRow};

/// A post with its author.
#[derive(Debug, Clone, Object, Serialize)]
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
    #[serde(serialize_with = "rfc3339")]
    pub date_posted: DateTime<Utc>,
    /// The author's public profile.
    #[serde(serialize_with = "user_public")]
    pub author: UserPublic,
}

/// One page of a feed, newest first.
#[derive(Debug, Clone, Object, Serialize)]
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

impl PostResponse {
    /// The post of `row` as sent, its author's picture resolved by `urls`.
    pub fn from_row(row: PostRow, urls: &ImageUrls) -> Self {
        let PostRow {
            id,
            title,
            content,
            user_id,
            date_posted,
            username,
            image_file,
        } = row;
        Self {
            id,
            title,
            content,
            user_id,
            date_posted,
            author: urls.public_user(user_id, username, image_file),
        }
    }
}

/// `value` as the JSON bytes sent, with their `ETag`.
pub fn representation<T: Serialize>(value: &T) -> Result<Representation, PostsError> {
    Ok(Representation::json(value).context("writing a response as JSON")?)
}

/// As poem-openapi writes a date: `2026-01-01T00:00:00.123456+00:00`.
fn rfc3339<S: Serializer>(date: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&date.to_rfc3339())
}

/// `UserPublic` lives in folio-shared, which does not serialise it with serde.
fn user_public<S: Serializer>(user: &UserPublic, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = serializer.serialize_struct("UserPublic", 4)?;
    out.serialize_field("id", &user.id)?;
    out.serialize_field("username", &user.username)?;
    out.serialize_field("image_file", &user.image_file)?;
    out.serialize_field("image_path", &user.image_path)?;
    out.end()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Timelike};
    use poem_openapi::types::ToJSON;

    use super::*;

    fn post(id: i64, image_file: Option<&str>, micros: u32) -> PostResponse {
        PostResponse {
            id,
            title: "A \"title\" \u{1F600}".into(),
            content: "line\nnext\u{0}\u{7f}".into(),
            user_id: 7,
            date_posted: Utc
                .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
                .unwrap()
                .with_nanosecond(micros * 1000)
                .unwrap(),
            author: UserPublic {
                id: 7,
                username: "ann".into(),
                image_file: image_file.map(Into::into),
                image_path: "/static/profile_pics/default.jpg".into(),
            },
        }
    }

    #[test]
    fn the_bytes_sent_are_the_json_the_document_describes() {
        let page = PaginatedPostsResponse {
            posts: vec![post(2, Some("a.jpg"), 123_456), post(1, None, 0)],
            total: 2,
            skip: 0,
            limit: 10,
            has_more: false,
            next_cursor: None,
        };
        let bytes = serde_json::to_vec(&page).unwrap();
        let sent: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(Some(sent), page.to_json());
        let one = serde_json::to_vec(&post(3, None, 5)).unwrap();
        let sent: serde_json::Value = serde_json::from_slice(&one).unwrap();
        assert_eq!(Some(sent), post(3, None, 5).to_json());
    }
}

//! One post: read, written, replaced or deleted by its owner, each with its author in the
//! same statement; and [`PostRow`], the typed row every post statement (feeds too) gives.

use chrono::{DateTime, Utc};
use folio_shared::db::{DbError, Queryable, Sql};
use tokio_postgres::{Row, types::Type};

const POST_BY_ID: Sql = Sql::new(
    "select p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from posts p join users u on u.id = p.user_id
     where p.id = $1",
    &[Type::INT8],
);

const INSERT_POST: Sql = Sql::new(
    "with p as (
       insert into posts (title, content, user_id) values ($1, $2, $3)
       returning id, title, content, user_id, date_posted
     )
     select p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from p join users u on u.id = p.user_id",
    &[Type::VARCHAR, Type::TEXT, Type::INT8],
)
.named("insert post");

// Owner-only by construction: the row changes only if `user_id` matches.
const UPDATE_OWN_POST: Sql = Sql::new(
    "with p as (
       update posts set title = coalesce($3, title), content = coalesce($4, content)
       where id = $1 and user_id = $2
       returning id, title, content, user_id, date_posted
     )
     select p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from p join users u on u.id = p.user_id",
    &[Type::INT8, Type::INT8, Type::VARCHAR, Type::TEXT],
)
.named("update own post");

const DELETE_OWN_POST: Sql = Sql::new(
    "delete from posts where id = $1 and user_id = $2",
    &[Type::INT8, Type::INT8],
);

const AUTHOR_OF_POST: Sql = Sql::new("select user_id from posts where id = $1", &[Type::INT8]);

/// A post with its author's name and picture: what every post statement selects
/// (`id, title, content, user_id, date_posted, username, image_file`).
#[derive(Debug)]
pub struct PostRow {
    /// The post's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its text.
    pub content: String,
    /// The author's id.
    pub user_id: i64,
    /// When it was posted.
    pub date_posted: DateTime<Utc>,
    /// The author's username.
    pub username: String,
    /// The author's picture, if any.
    pub image_file: Option<String>,
}

impl From<&Row> for PostRow {
    fn from(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            title: row.get("title"),
            content: row.get("content"),
            user_id: row.get("user_id"),
            date_posted: row.get("date_posted"),
            username: row.get("username"),
            image_file: row.get("image_file"),
        }
    }
}

/// One post with its author.
pub async fn find_post(db: &impl Queryable, id: i64) -> Result<Option<PostRow>, DbError> {
    post_of(db.query_opt(&POST_BY_ID, &[&id]).await)
}

/// Inserts a post and returns it with its author.
pub async fn insert_post(
    db: &impl Queryable,
    author: i64,
    title: &str,
    content: &str,
) -> Result<Option<PostRow>, DbError> {
    post_of(
        db.query_opt(&INSERT_POST, &[&title, &content, &author])
            .await,
    )
}

/// Changes the given fields of `id` if `author` owns it; `None` otherwise.
pub async fn update_own_post(
    db: &impl Queryable,
    id: i64,
    author: i64,
    title: Option<&str>,
    content: Option<&str>,
) -> Result<Option<PostRow>, DbError> {
    post_of(
        db.query_opt(&UPDATE_OWN_POST, &[&id, &author, &title, &content])
            .await,
    )
}

/// The post a statement of one post gave, if any.
fn post_of(row: Result<Option<Row>, DbError>) -> Result<Option<PostRow>, DbError> {
    Ok(row?.as_ref().map(PostRow::from))
}

/// Deletes `id` if `author` owns it; false otherwise.
pub async fn delete_own_post(db: &impl Queryable, id: i64, author: i64) -> Result<bool, DbError> {
    Ok(db.execute(&DELETE_OWN_POST, &[&id, &author]).await? == 1)
}

/// The author of `id`, if the post exists (tells 404 from 403 after a refused write).
pub async fn author_of(db: &impl Queryable, id: i64) -> Result<Option<i64>, DbError> {
    Ok(db
        .query_opt(&AUTHOR_OF_POST, &[&id])
        .await?
        .map(|r| r.get("user_id")))
}

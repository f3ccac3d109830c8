//! The SQL of the posts service: every request is one round trip, and every read walks an
//! index in feed order (`posts_date_posted_id_idx`, `posts_user_id_date_posted_idx`) so
//! nothing is sorted at query time. Totals come from the trigger-kept `post_totals` and
//! `post_counts` rows (migration V5), read in the same statement as the page, so `total`
//! and the page always agree. Authors are looked up per post by primary key (a lateral
//! subquery the planner cannot flatten): as a plain join, a stale row estimate made it
//! hash the whole users table on every feed request. A page starts either after `skip`
//! posts (the FastAPI contract; the skipped index entries are read) or right after a
//! cursor's post (keyset: the index is entered there, so every page costs the same).

use folio_shared::db::{DbError, Queryable, Sql};
use tokio_postgres::{Row, types::Type};

use crate::cursor::FeedCursor;

/// Columns every post query returns, in this order (see `model::post_from_row`).
macro_rules! post_columns {
    ($p:literal, $u:literal) => {
        concat!(
            $p,
            ".id, ",
            $p,
            ".title, ",
            $p,
            ".content, ",
            $p,
            ".user_id, ",
            $p,
            ".date_posted, ",
            $u,
            ".username, ",
            $u,
            ".image_file"
        )
    };
}

/// The public feed's query: `total` and one page of posts chosen by `$where` and `$paging`.
macro_rules! feed_page {
    ($where:literal, $paging:literal) => {
        concat!(
            "select t.posts as total, ",
            post_columns!("p", "u"),
            " from post_totals t \
             left join lateral (select id, title, content, user_id, date_posted from posts ",
            $where,
            " order by date_posted desc, id desc ",
            $paging,
            ") p on true \
             left join lateral (select username, image_file from users where users.id = p.user_id \
               limit 1) u on true \
             order by p.date_posted desc, p.id desc"
        )
    };
}

/// One user's feed query (`$1` the user): whether the user exists, `total` and one page.
macro_rules! user_feed_page {
    ($where:literal, $paging:literal) => {
        concat!(
            "select u.id is not null as user_exists, coalesce(c.posts, 0) as total, ",
            post_columns!("p", "u"),
            " from (select $1::int8 as id) wanted \
             left join users u on u.id = wanted.id \
             left join post_counts c on c.user_id = wanted.id \
             left join lateral (select id, title, content, user_id, date_posted from posts \
               where user_id = wanted.id ",
            $where,
            " order by date_posted desc, id desc ",
            $paging,
            ") p on u.id is not null \
             order by p.date_posted desc, p.id desc"
        )
    };
}

/// The public feed after `$1` skipped posts, `$2` limit.
pub const FEED_PAGE: Sql = Sql::new(
    feed_page!("", "offset $1 limit $2"),
    &[Type::INT8, Type::INT8],
);

/// The public feed after the post at (`$1` date, `$2` id), `$3` limit.
pub const FEED_PAGE_AFTER: Sql = Sql::new(
    feed_page!("where (date_posted, id) < ($1, $2)", "limit $3"),
    &[Type::TIMESTAMPTZ, Type::INT8, Type::INT8],
);

/// User `$1`'s feed after `$2` skipped posts, `$3` limit.
pub const USER_FEED_PAGE: Sql = Sql::new(
    user_feed_page!("", "offset $2 limit $3"),
    &[Type::INT8, Type::INT8, Type::INT8],
);

/// User `$1`'s feed after the post at (`$2` date, `$3` id), `$4` limit.
pub const USER_FEED_PAGE_AFTER: Sql = Sql::new(
    user_feed_page!("and (date_posted, id) < ($2, $3)", "limit $4"),
    &[Type::INT8, Type::TIMESTAMPTZ, Type::INT8, Type::INT8],
);

/// Where a page begins.
#[derive(Debug, Clone, Copy)]
pub enum PageStart {
    /// After this many posts of the feed.
    Skip(i64),
    /// Right after this post.
    After(FeedCursor),
}

const POST_BY_ID: Sql = Sql::new(
    concat!(
        "select ",
        post_columns!("p", "u"),
        " from posts p join users u on u.id = p.user_id where p.id = $1"
    ),
    &[Type::INT8],
);

const INSERT_POST: Sql = Sql::new(
    concat!(
        "with p as (insert into posts (title, content, user_id) values ($1, $2, $3) \
           returning id, title, content, user_id, date_posted) \
         select ",
        post_columns!("p", "u"),
        " from p join users u on u.id = p.user_id"
    ),
    &[Type::VARCHAR, Type::TEXT, Type::INT8],
);

// Owner-only by construction: the row changes only if `user_id` matches.
const UPDATE_OWN_POST: Sql = Sql::new(
    concat!(
        "with p as (update posts set title = coalesce($3, title), content = coalesce($4, content) \
           where id = $1 and user_id = $2 returning id, title, content, user_id, date_posted) \
         select ",
        post_columns!("p", "u"),
        " from p join users u on u.id = p.user_id"
    ),
    &[Type::INT8, Type::INT8, Type::VARCHAR, Type::TEXT],
);

const DELETE_OWN_POST: Sql = Sql::new(
    "delete from posts where id = $1 and user_id = $2",
    &[Type::INT8, Type::INT8],
);

const AUTHOR_OF_POST: Sql = Sql::new("select user_id from posts where id = $1", &[Type::INT8]);

/// A page of a feed: the total and the rows of the page (possibly none).
pub struct FeedPage {
    /// Posts in the whole feed.
    pub total: i64,
    /// The page's rows, newest first.
    pub rows: Vec<Row>,
}

fn into_page(rows: Vec<Row>) -> FeedPage {
    let total = rows.first().map_or(0, |r| r.get("total"));
    // A feed with no post on this page still yields one row (for `total`), with nulls.
    let rows = rows
        .into_iter()
        .filter(|r| r.get::<_, Option<i64>>("id").is_some())
        .collect();
    FeedPage { total, rows }
}

/// A page of the public feed.
pub async fn feed_page(
    db: &impl Queryable,
    start: PageStart,
    limit: i64,
) -> Result<FeedPage, DbError> {
    let rows = match start {
        PageStart::Skip(skip) => db.query(&FEED_PAGE, &[&skip, &limit]).await?,
        PageStart::After(after) => {
            db.query(&FEED_PAGE_AFTER, &[&after.date_posted, &after.id, &limit])
                .await?
        }
    };
    Ok(into_page(rows))
}

/// A page of one user's posts; `None` when the user does not exist.
pub async fn user_feed_page(
    db: &impl Queryable,
    user_id: i64,
    start: PageStart,
    limit: i64,
) -> Result<Option<FeedPage>, DbError> {
    let rows = match start {
        PageStart::Skip(skip) => {
            db.query(&USER_FEED_PAGE, &[&user_id, &skip, &limit])
                .await?
        }
        PageStart::After(after) => {
            db.query(
                &USER_FEED_PAGE_AFTER,
                &[&user_id, &after.date_posted, &after.id, &limit],
            )
            .await?
        }
    };
    let exists = rows
        .first()
        .is_some_and(|r| r.get::<_, bool>("user_exists"));
    Ok(exists.then(|| into_page(rows)))
}

/// One post with its author.
pub async fn find_post(db: &impl Queryable, id: i64) -> Result<Option<Row>, DbError> {
    db.query_opt(&POST_BY_ID, &[&id]).await
}

/// Inserts a post and returns it with its author.
pub async fn insert_post(
    db: &impl Queryable,
    author: i64,
    title: &str,
    content: &str,
) -> Result<Option<Row>, DbError> {
    db.query_opt(&INSERT_POST, &[&title, &content, &author])
        .await
}

/// Changes the given fields of `id` if `author` owns it; `None` otherwise.
pub async fn update_own_post(
    db: &impl Queryable,
    id: i64,
    author: i64,
    title: Option<&str>,
    content: Option<&str>,
) -> Result<Option<Row>, DbError> {
    db.query_opt(&UPDATE_OWN_POST, &[&id, &author, &title, &content])
        .await
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

//! The SQL of the posts service: every request is one round trip, and every read walks an
//! index in feed order (`posts_date_posted_id_idx`, `posts_user_id_date_posted_idx`) so
//! nothing is sorted at query time. Totals come from the trigger-kept `post_totals` and
//! `post_counts` rows (migration V5), read in the same statement as the page, so `total`
//! and the page always agree. Authors are looked up per post by primary key (a lateral
//! subquery the planner cannot flatten): as a plain join, a stale row estimate made it
//! hash the whole users table on every feed request. A page starts either after `skip`
//! posts (the FastAPI contract; the skipped index entries, only those, are read) or right after a
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

/// Bytes of `content` a feed page holds before it stops adding posts (see [`page_of_posts`]).
pub const PAGE_CONTENT_BYTES: i64 = 1_000_000;

/// [`PAGE_CONTENT_BYTES`] as SQL text (a literal, so the plan is the same for every page).
macro_rules! page_content_bytes {
    () => {
        "1000000"
    };
}

/// One page of posts, newest first, as `id, title, content, user_id, date_posted,
/// rows_read`. Two steps, so a page never costs what it does not show:
/// - the feed index alone picks the page (`$where`, `$paging`): an index-only scan of
///   `(date_posted, id)`, so `offset` walks index entries, never post rows. Measured with
///   EXPLAIN ANALYZE on 100k vacuumed posts, `?skip=90000&limit=10` read 5,641 buffers
///   (18 ms) when the offset read whole rows of 400 bytes, 22,900 (79 ms) with rows of
///   1.8 kB, and 415 (10 ms) either way now: the entries skipped stay 16 bytes;
/// - each picked post is then read by primary key, and kept while the `content` bytes of
///   the posts before it are under [`PAGE_CONTENT_BYTES`]: the post that crosses the line
///   is kept (a page is never empty), later ones are dropped here, in Postgres, with their
///   bodies never detoasted (`octet_length` reads a TOAST pointer's header). `rows_read`
///   counts the picked rows, so a cursor page knows that posts were dropped.
macro_rules! page_of_posts {
    ($where:literal, $paging:literal) => {
        concat!(
            "select w.id, w.title, w.content, w.user_id, w.date_posted, w.rows_read from (\
               select b.id, b.title, b.content, b.user_id, b.date_posted, \
                 count(*) over () as rows_read, \
                 coalesce(sum(octet_length(b.content)) over (order by k.date_posted desc, k.id desc \
                   rows between unbounded preceding and 1 preceding), 0) as bytes_before \
               from (select id, date_posted from posts ",
            $where,
            " order by date_posted desc, id desc ",
            $paging,
            ") k join posts b on b.id = k.id) w \
             where w.bytes_before < ",
            page_content_bytes!()
        )
    };
}

/// The public feed's query: `total` and one page of posts chosen by `$where` and `$paging`.
macro_rules! feed_page {
    ($where:literal, $paging:literal) => {
        concat!(
            "select t.posts as total, p.rows_read, ",
            post_columns!("p", "u"),
            " from post_totals t left join lateral (",
            page_of_posts!($where, $paging),
            ") p on true \
             left join lateral (select username, image_file from users where users.id = p.user_id \
               limit 1) u on true \
             order by p.date_posted desc, p.id desc"
        )
    };
}

/// One user's feed query (`$1` the user): whether the user exists, `total` and one page
/// (`$where` must select the user's posts: `where user_id = wanted.id ...`).
macro_rules! user_feed_page {
    ($where:literal, $paging:literal) => {
        concat!(
            "select u.id is not null as user_exists, coalesce(c.posts, 0) as total, p.rows_read, ",
            post_columns!("p", "u"),
            " from (select $1::int8 as id) wanted \
             left join users u on u.id = wanted.id \
             left join post_counts c on c.user_id = wanted.id \
             left join lateral (",
            page_of_posts!($where, $paging),
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
    user_feed_page!("where user_id = wanted.id", "offset $2 limit $3"),
    &[Type::INT8, Type::INT8, Type::INT8],
);

/// User `$1`'s feed after the post at (`$2` date, `$3` id), `$4` limit.
pub const USER_FEED_PAGE_AFTER: Sql = Sql::new(
    user_feed_page!(
        "where user_id = wanted.id and (date_posted, id) < ($2, $3)",
        "limit $4"
    ),
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
    /// Rows the feed index gave for the page, before the byte bound dropped any.
    pub rows_read: i64,
    /// The page's rows, newest first.
    pub rows: Vec<Row>,
}

fn into_page(rows: Vec<Row>) -> FeedPage {
    let total = rows.first().map_or(0, |r| r.get("total"));
    // A feed with no post on this page still yields one row (for `total`), with nulls.
    let rows_read = rows
        .first()
        .and_then(|r| r.get::<_, Option<i64>>("rows_read"))
        .unwrap_or(0);
    let rows = rows
        .into_iter()
        .filter(|r| r.get::<_, Option<i64>>("id").is_some())
        .collect();
    FeedPage {
        total,
        rows_read,
        rows,
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_byte_bound_in_the_sql_is_the_documented_one() {
        assert_eq!(page_content_bytes!().parse(), Ok(super::PAGE_CONTENT_BYTES));
    }
}

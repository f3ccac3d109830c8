//! The SQL of the posts service, returning typed rows ([`PostRow`], [`FeedPage`]); the
//! statements of one post are in `repo/post.rs`, the feeds' here. Every request is one
//! round trip, and every read walks an index in feed order (`posts_date_posted_id_idx`,
//! `posts_user_id_date_posted_idx`) so nothing is sorted at query time. Totals come from
//! the trigger-kept `post_totals` and `post_counts` rows (migration V5), read in the same
//! statement as the page, so `total` and the page always agree. Authors are looked up per
//! post by primary key (a lateral subquery the planner cannot flatten): as a plain join, a
//! stale row estimate made it hash the whole users table on every feed request.
//!
//! A page starts at the top of the feed, right after a cursor's post (keyset: the index is
//! entered there, so every page costs the same), or after `skip` posts (the FastAPI
//! contract): then an index-only walk of the skipped entries, 16 bytes each and never a
//! post row, finds the page's first post, and the page is read from there as a cursor
//! page is. Measured with EXPLAIN ANALYZE on 100k vacuumed posts, `?skip=90000&limit=10`
//! read 5,641 buffers (18 ms) when the offset read whole rows of 400 bytes, 22,900 (79 ms)
//! with rows of 1.8 kB, and 414 either way walking index entries.
//!
//! A page stops adding posts once the `content` bytes of the posts before it reach
//! [`PAGE_CONTENT_BYTES`]: the post that crosses the line is kept (a page is never empty),
//! later ones are dropped in Postgres with their bodies never detoasted (`octet_length`
//! reads a TOAST pointer's header). `more_read` on a page's last post says whether the
//! index gave a post after it (a cursor page's look-ahead, or a post dropped), so a cursor
//! page knows that more follow. One window (`w`) computes both: a running sum and a look
//! ahead of one row; the earlier form (a second window counting the page, over an
//! index-only scan joined back to posts by primary key) cost 3x the Postgres time of the
//! page without the bound (EXPLAIN ANALYZE, planning and execution, 100k posts: 440 µs
//! against 155 µs for a cursor page), and halved the rate of cursor pages in the bench.
//!
//! The public feed reads at most [`MOST_ROWS`] posts, a constant in its SQL, and stops at
//! the page's size (`$n`) with `row_number() <= $n`, which Postgres 15 turns into a run
//! condition that ends the scan there. With the limit a constant, the plan is the same for
//! every request, so a named statement keeps one generic plan instead of planning each
//! time (`limit $n` is costed at a tenth of the table, so Postgres kept re-planning): a
//! cursor page then costs 80 µs in Postgres. The first page has a statement of its own, as
//! `offset $n` is costed the same way. One user's feed keeps `limit $n`: a generic
//! plan there is already chosen, and a constant of 101 rows made the planner prefer a
//! bitmap scan of all the author's posts and a sort, costly for a prolific author.

use folio_shared::db::{DbError, Queryable, Sql};
use tokio_postgres::{Row, types::Type};

use crate::cursor::FeedCursor;

mod post;

pub use post::{PostRow, author_of, delete_own_post, find_post, insert_post, update_own_post};

/// Bytes of `content` a feed page holds before it stops adding posts (the `1000000` in
/// each feed statement).
pub const PAGE_CONTENT_BYTES: i64 = 1_000_000;

/// Rows a public feed statement reads at most: the largest page and its look-ahead row
/// (the `limit 101` in its SQL).
pub const MOST_ROWS: i64 = 101;

/// The first page of the public feed: `total` and `$1` rows.
pub const FEED_FIRST_PAGE: Sql = Sql::new(
    "select t.posts as total, p.more_read,
       p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from post_totals t
     left join lateral (
       select id, title, content, user_id, date_posted, n < $1 and next_read as more_read
       from (
         select id, title, content, user_id, date_posted, row_number() over w as n,
           lead(true, 1, false) over w as next_read,
           coalesce(sum(octet_length(content)) over w, 0) as bytes_before
         from (
           select id, title, content, user_id, date_posted from posts
           order by date_posted desc, id desc
           limit 101
         ) k
         window w as (order by date_posted desc, id desc
           rows between unbounded preceding and 1 preceding)
       ) page
       where n <= $1 and bytes_before < 1000000
     ) p on true
     left join lateral (
       select username, image_file from users where users.id = p.user_id limit 1
     ) u on true
     order by p.date_posted desc, p.id desc",
    &[Type::INT8],
)
.named("feed first page");

/// The public feed after `$1` skipped posts: `total` and `$2` rows.
pub const FEED_PAGE: Sql = Sql::new(
    "select t.posts as total, p.more_read,
       p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from post_totals t
     left join lateral (
       select id, title, content, user_id, date_posted, n < $2 and next_read as more_read
       from (
         select id, title, content, user_id, date_posted, row_number() over w as n,
           lead(true, 1, false) over w as next_read,
           coalesce(sum(octet_length(content)) over w, 0) as bytes_before
         from (
           select id, title, content, user_id, date_posted from posts
           where (date_posted, id) <= (
             select date_posted, id from posts
             order by date_posted desc, id desc
             offset $1 limit 1
           )
           order by date_posted desc, id desc
           limit 101
         ) k
         window w as (order by date_posted desc, id desc
           rows between unbounded preceding and 1 preceding)
       ) page
       where n <= $2 and bytes_before < 1000000
     ) p on true
     left join lateral (
       select username, image_file from users where users.id = p.user_id limit 1
     ) u on true
     order by p.date_posted desc, p.id desc",
    &[Type::INT8, Type::INT8],
)
.named("feed page");

/// The public feed after the post at (`$1` date, `$2` id): `total` and `$3` rows.
pub const FEED_PAGE_AFTER: Sql = Sql::new(
    "select t.posts as total, p.more_read,
       p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from post_totals t
     left join lateral (
       select id, title, content, user_id, date_posted, n < $3 and next_read as more_read
       from (
         select id, title, content, user_id, date_posted, row_number() over w as n,
           lead(true, 1, false) over w as next_read,
           coalesce(sum(octet_length(content)) over w, 0) as bytes_before
         from (
           select id, title, content, user_id, date_posted from posts
           where (date_posted, id) < ($1, $2)
           order by date_posted desc, id desc
           limit 101
         ) k
         window w as (order by date_posted desc, id desc
           rows between unbounded preceding and 1 preceding)
       ) page
       where n <= $3 and bytes_before < 1000000
     ) p on true
     left join lateral (
       select username, image_file from users where users.id = p.user_id limit 1
     ) u on true
     order by p.date_posted desc, p.id desc",
    &[Type::TIMESTAMPTZ, Type::INT8, Type::INT8],
)
.named("feed page after cursor");

/// User `$1`'s feed after `$2` skipped posts: whether the user exists, `total` and `$3`
/// rows.
pub const USER_FEED_PAGE: Sql = Sql::new(
    "select u.id is not null as user_exists, coalesce(c.posts, 0) as total, p.more_read,
       p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from (select $1::int8 as id) wanted
     left join users u on u.id = wanted.id
     left join post_counts c on c.user_id = wanted.id
     left join lateral (
       select id, title, content, user_id, date_posted, more_read
       from (
         select id, title, content, user_id, date_posted,
           lead(true, 1, false) over w as more_read,
           coalesce(sum(octet_length(content)) over w, 0) as bytes_before
         from (
           select id, title, content, user_id, date_posted from posts
           where user_id = wanted.id and (date_posted, id) <= (
             select date_posted, id from posts where user_id = $1
             order by date_posted desc, id desc
             offset $2 limit 1
           )
           order by date_posted desc, id desc
           limit $3
         ) k
         window w as (order by date_posted desc, id desc
           rows between unbounded preceding and 1 preceding)
       ) page
       where bytes_before < 1000000
     ) p on u.id is not null
     order by p.date_posted desc, p.id desc",
    &[Type::INT8, Type::INT8, Type::INT8],
)
.named("user feed page");

/// User `$1`'s feed after the post at (`$2` date, `$3` id): whether the user exists,
/// `total` and `$4` rows.
pub const USER_FEED_PAGE_AFTER: Sql = Sql::new(
    "select u.id is not null as user_exists, coalesce(c.posts, 0) as total, p.more_read,
       p.id, p.title, p.content, p.user_id, p.date_posted, u.username, u.image_file
     from (select $1::int8 as id) wanted
     left join users u on u.id = wanted.id
     left join post_counts c on c.user_id = wanted.id
     left join lateral (
       select id, title, content, user_id, date_posted, more_read
       from (
         select id, title, content, user_id, date_posted,
           lead(true, 1, false) over w as more_read,
           coalesce(sum(octet_length(content)) over w, 0) as bytes_before
         from (
           select id, title, content, user_id, date_posted from posts
           where user_id = wanted.id and (date_posted, id) < ($2, $3)
           order by date_posted desc, id desc
           limit $4
         ) k
         window w as (order by date_posted desc, id desc
           rows between unbounded preceding and 1 preceding)
       ) page
       where bytes_before < 1000000
     ) p on u.id is not null
     order by p.date_posted desc, p.id desc",
    &[Type::INT8, Type::TIMESTAMPTZ, Type::INT8, Type::INT8],
)
.named("user feed page after cursor");

/// Where a page begins.
#[derive(Debug, Clone, Copy)]
pub enum PageStart {
    /// After this many posts of the feed.
    Skip(i64),
    /// Right after this post.
    After(FeedCursor),
}

/// A page of a feed: the total and the posts of the page (possibly none).
pub struct FeedPage {
    /// Posts in the whole feed.
    pub total: i64,
    /// The feed index gave a post after the page's last row (read, not shown): a cursor
    /// page's look-ahead past its last row, or a post the byte bound dropped.
    pub more_read: bool,
    /// The page's rows, newest first; read as [`PostRow`]s only for the posts shown, so a
    /// look-ahead row is never copied out.
    rows: Vec<Row>,
}

impl FeedPage {
    /// How many posts the statement gave (the look-ahead row included).
    pub fn read(&self) -> usize {
        self.rows.len()
    }

    /// The posts, newest first.
    pub fn posts(&self) -> impl Iterator<Item = PostRow> + '_ {
        self.rows.iter().map(PostRow::from)
    }
}

fn into_page(rows: Vec<Row>) -> FeedPage {
    let total = rows.first().map_or(0, |r| r.get("total"));
    // A feed with no post on this page still yields one row (for `total`), with nulls.
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| r.get::<_, Option<i64>>("id").is_some())
        .collect();
    let more_read = rows.last().is_some_and(|r| r.get("more_read"));
    FeedPage {
        total,
        more_read,
        rows,
    }
}

/// A page of the public feed: at most `rows` (up to [`MOST_ROWS`]) posts.
pub async fn feed_page(
    db: &impl Queryable,
    start: PageStart,
    rows: i64,
) -> Result<FeedPage, DbError> {
    debug_assert!(rows <= MOST_ROWS, "the SQL reads {MOST_ROWS} rows at most");
    let rows = match start {
        PageStart::Skip(0) => db.query(&FEED_FIRST_PAGE, &[&rows]).await?,
        PageStart::Skip(skip) => db.query(&FEED_PAGE, &[&skip, &rows]).await?,
        PageStart::After(after) => {
            db.query(&FEED_PAGE_AFTER, &[&after.date_posted, &after.id, &rows])
                .await?
        }
    };
    Ok(into_page(rows))
}

/// A page of one user's posts (at most `rows`); `None` when the user does not exist.
pub async fn user_feed_page(
    db: &impl Queryable,
    user_id: i64,
    start: PageStart,
    rows: i64,
) -> Result<Option<FeedPage>, DbError> {
    let rows = match start {
        PageStart::Skip(skip) => db.query(&USER_FEED_PAGE, &[&user_id, &skip, &rows]).await?,
        PageStart::After(after) => {
            db.query(
                &USER_FEED_PAGE_AFTER,
                &[&user_id, &after.date_posted, &after.id, &rows],
            )
            .await?
        }
    };
    let exists = rows
        .first()
        .is_some_and(|r| r.get::<_, bool>("user_exists"));
    Ok(exists.then(|| into_page(rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: [Sql; 3] = [FEED_FIRST_PAGE, FEED_PAGE, FEED_PAGE_AFTER];

    #[test]
    fn the_byte_bound_in_the_sql_is_the_documented_one() {
        let bound = format!("bytes_before < {PAGE_CONTENT_BYTES}\n");
        for sql in PUBLIC.iter().chain(&[USER_FEED_PAGE, USER_FEED_PAGE_AFTER]) {
            assert_eq!(sql.text().matches(&bound).count(), 1, "{}", sql.text());
        }
    }

    #[test]
    fn the_public_feed_reads_the_largest_page_and_its_look_ahead() {
        assert_eq!(MOST_ROWS, crate::feeds::MAX_LIMIT + 1);
        let limit = format!("limit {MOST_ROWS}\n");
        for sql in PUBLIC {
            assert_eq!(sql.text().matches(&limit).count(), 1, "{}", sql.text());
        }
    }
}

//! `migrate` on a database made by the FastAPI blog, at each of the course's Alembic
//! revisions: adopted with every row kept, or refused with one line and nothing changed.
//! The login with an old password through the real auth binary is in
//! scripts/container-smoke.sh, on the first revision's fixture.

mod refused;

use folio_migrate::{self as migrate, connect::connect};
use folio_shared::test_utils::TestDb;
use tokio_postgres::Client;

/// The course's database at its first Alembic revision, with rows (see the file's header).
pub(crate) const FASTAPI_BLOG: &str = include_str!("fastapi_blog.sql");
/// The course's second revision, "add likes to posts", run on the first.
pub(crate) const ADD_LIKES: &str = include_str!("fastapi_blog_add_likes.sql");

/// The course's database at each of its Alembic revisions, named for the failure messages.
fn revisions() -> [(&'static str, String); 2] {
    [
        ("initial schema", FASTAPI_BLOG.to_owned()),
        ("add likes to posts", format!("{FASTAPI_BLOG}\n{ADD_LIKES}")),
    ]
}

/// A database holding only what `sql` creates.
pub(crate) async fn database_with(sql: &str) -> (TestDb, Client) {
    let db = TestDb::create().await;
    let client = connect(db.url()).await.unwrap();
    client
        .batch_execute("drop schema public cascade; create schema public")
        .await
        .unwrap();
    client.batch_execute(sql).await.unwrap();
    (db, client)
}

/// Every row of `query`, as text, so before/after comparisons read plainly.
pub(crate) async fn rows(client: &Client, query: &str) -> Vec<Vec<Option<String>>> {
    client
        .query(query, &[])
        .await
        .unwrap()
        .iter()
        .map(|row| (0..row.len()).map(|i| row.get(i)).collect())
        .collect()
}

async fn tables(client: &Client) -> Vec<String> {
    rows(
        client,
        "select table_schema::text || '.' || table_name::text from information_schema.tables \
         where table_schema not in ('pg_catalog', 'information_schema') order by 1",
    )
    .await
    .into_iter()
    .map(|mut r| r.remove(0).unwrap())
    .collect()
}

const USERS: &str = "select id::text, username, lower(email), password_hash, image_file \
                     from users order by id";
const POSTS: &str = "select id::text, title, content, user_id::text, \
                     to_char(date_posted at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') \
                     from posts order by id";
const TOKENS: &str = "select id::text, user_id::text, token_hash, expires_at::text \
                      from password_reset_tokens order by id";

/// What auth's login reads for an email (services/auth/src/repo.rs): the hash it verifies
/// the password against, and the version its tokens carry.
const LOGIN_LOOKUP: &str = "select password_hash, token_version::text from users \
                            where lower(email) = lower('ada@example.com')";

#[tokio::test]
async fn a_course_database_at_either_revision_is_adopted_with_every_row_id_and_hash_kept() {
    for (revision, sql) in revisions() {
        let (db, client) = database_with(&sql).await;
        let (users, posts, tokens) = (
            rows(&client, USERS).await,
            rows(&client, POSTS).await,
            rows(&client, TOKENS).await,
        );
        let ada_hash = rows(&client, "select password_hash from users where id = 1").await;

        let outcome = migrate::apply(db.url()).await.unwrap();

        let adopted = outcome.adopted.expect(revision);
        assert_eq!(
            (adopted.users, adopted.posts, adopted.reset_tokens),
            (3, 4, 1),
            "{revision}"
        );
        assert_eq!(adopted.unverifiable_hashes, 0, "{revision}");
        assert_eq!(rows(&client, USERS).await, users, "{revision}");
        assert_eq!(rows(&client, POSTS).await, posts, "{revision}");
        assert_eq!(rows(&client, TOKENS).await, tokens, "{revision}");
        // Ada logs in with "course password 1": her email finds the pwdlib hash the blog
        // made, which auth verifies (services/auth/tests/api/login.rs, and
        // scripts/container-smoke.sh through the real binary).
        assert_eq!(
            rows(&client, LOGIN_LOOKUP).await,
            vec![vec![ada_hash[0][0].clone(), Some("0".into())]],
            "{revision}"
        );
        // Emails are stored lowercased, as auth stores and looks them up.
        let carol = rows(&client, "select email from users where id = 5").await;
        assert_eq!(carol[0][0].as_deref(), Some("carol@example.com"));
        let old_tables: Vec<String> = tables(&client)
            .await
            .into_iter()
            .filter(|t| t.contains("alembic") || t.starts_with("fastapi_blog_legacy"))
            .collect();
        assert!(
            old_tables.is_empty(),
            "{revision}: left behind: {old_tables:?}"
        );
    }
}

/// What must be the same in an adopted database as in a fresh one: the migration
/// history, every column (so `posts.likes` is gone with the old table) and every index.
const SCHEMA: [&str; 3] = [
    "select version::text, name, checksum from refinery_schema_history order by 1",
    "select concat_ws(' ', table_name, column_name, data_type, is_nullable, column_default, \
     is_identity, character_maximum_length) \
     from information_schema.columns where table_schema = 'public' order by 1",
    "select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1",
];

#[tokio::test]
async fn an_adopted_database_has_folios_exact_schema_and_history() {
    let fresh_db = TestDb::create().await;
    let fresh = connect(fresh_db.url()).await.unwrap();
    for (revision, sql) in revisions() {
        let (blog_db, blog) = database_with(&sql).await;

        let applied = migrate::apply(blog_db.url()).await.unwrap().applied;

        let history = rows(&fresh, SCHEMA[0]).await;
        assert_eq!(applied.len(), history.len(), "{revision}");
        for query in SCHEMA {
            let (adopted, expected) = (rows(&blog, query).await, rows(&fresh, query).await);
            assert_eq!(adopted, expected, "{revision}: {query}");
        }
        // Later runs go on as on any Folio database.
        assert!(
            migrate::run(blog_db.url()).await.unwrap().is_empty(),
            "{revision}"
        );
    }
}

#[tokio::test]
async fn after_adoption_new_rows_get_fresh_ids_and_the_feed_counters_are_exact() {
    let (db, client) = database_with(FASTAPI_BLOG).await;

    migrate::apply(db.url()).await.unwrap();

    let new_user: i64 = client
        .query_one(
            "insert into users (username, email, password_hash) values ('dan', 'dan@example.com', 'x') returning id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(new_user, 6, "after the largest copied id");
    let new_post: i64 = client
        .query_one(
            "insert into posts (title, content, user_id) values ('t', 'c', 1) returning id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(new_post, 8);
    let totals = "select (select posts::text from post_totals), \
                  (select string_agg(user_id || ':' || posts, ',' order by user_id) from post_counts)";
    assert_eq!(
        rows(&client, totals).await,
        vec![vec![Some("5".into()), Some("1:3,2:1,5:1".into())]]
    );
}

#[tokio::test]
async fn two_runners_at_once_adopt_the_blog_database_exactly_once() {
    let (db, client) = database_with(FASTAPI_BLOG).await;

    let (a, b) = tokio::join!(migrate::apply(db.url()), migrate::apply(db.url()));

    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.adopted.is_some() != b.adopted.is_some(), "{a:?} / {b:?}");
    assert_eq!(
        rows(&client, "select count(*)::text from users").await[0][0].as_deref(),
        Some("3")
    );
}

/// An older database of the blog: naive UTC timestamps, reset tokens without `created_at`,
/// users without pictures yet, and Flask's `default.jpg` placeholder.
const OLDER_BLOG: &str = "
    create table alembic_version (version_num varchar(32) primary key);
    insert into alembic_version values ('1a2b3c4d5e6f');
    create table users (id serial primary key, username varchar(50) not null unique,
        email varchar(120) not null unique, password_hash varchar(200) not null,
        image_file varchar(200) not null default 'default.jpg');
    create table posts (id serial primary key, title varchar(100) not null, content text not null,
        user_id integer not null references users (id), date_posted timestamp not null);
    create table password_reset_tokens (id serial primary key,
        user_id integer not null references users (id) on delete cascade,
        token_hash varchar(64) not null unique, expires_at timestamp not null);
    insert into users (username, email, password_hash) values ('old', 'old@example.com', 'pbkdf2:sha256:x');
    insert into posts (title, content, user_id, date_posted) values ('t', 'c', 1, '2024-06-01 12:00:00');
    insert into password_reset_tokens (user_id, token_hash, expires_at)
        values (1, repeat('b', 64), '2099-01-01 00:00:00');
";

#[tokio::test]
async fn an_older_blog_database_is_adopted_with_naive_times_read_as_utc() {
    let (db, client) = database_with(OLDER_BLOG).await;

    let adopted = migrate::apply(db.url()).await.unwrap().adopted.unwrap();

    assert_eq!(
        (adopted.users, adopted.posts, adopted.reset_tokens),
        (1, 1, 1)
    );
    assert_eq!(
        adopted.unverifiable_hashes, 1,
        "the pbkdf2 hash is reported"
    );
    let post = "select (date_posted = '2024-06-01 12:00:00+00')::text from posts";
    assert_eq!(rows(&client, post).await[0][0].as_deref(), Some("true"));
    let token = "select (expires_at = '2099-01-01 00:00:00+00')::text from password_reset_tokens";
    assert_eq!(rows(&client, token).await[0][0].as_deref(), Some("true"));
    let picture = rows(&client, "select image_file from users").await;
    assert_eq!(
        picture[0][0], None,
        "the placeholder becomes Folio's no-picture"
    );
}

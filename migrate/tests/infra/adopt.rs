//! `migrate` on a database made by the FastAPI blog, at each of the course's Alembic
//! revisions: adopted with every row kept, or refused with one line and nothing changed.
//! The login with an old password through the real auth binary is in
//! scripts/container-smoke.sh, on the first revision's fixture.

use folio_migrate::{self as migrate, connect::connect};
use folio_shared::test_utils::TestDb;
use tokio_postgres::Client;

/// The course's database at its first Alembic revision, with rows (see the file's header).
const FASTAPI_BLOG: &str = include_str!("fastapi_blog.sql");
/// The course's second revision, "add likes to posts", run on the first.
const ADD_LIKES: &str = include_str!("fastapi_blog_add_likes.sql");

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
async fn rows(client: &Client, query: &str) -> Vec<Vec<Option<String>>> {
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

/// Every column of every table, and the rows of `also`: what a refusal must leave as it was.
async fn snapshot(client: &Client, also: &str) -> Vec<Vec<Option<String>>> {
    let mut all = rows(
        client,
        "select table_schema || '.' || table_name || '.' || column_name \
         from information_schema.columns \
         where table_schema not in ('pg_catalog', 'information_schema') order by 1",
    )
    .await;
    all.extend(rows(client, also).await);
    all
}

/// Runs migrate on a database that must be refused, checks that the database (down to
/// the rows of `also`) is exactly as it was, and returns the error's one line.
async fn refusal(sql: &str, also: &str) -> String {
    let (db, client) = database_with(sql).await;
    let before = snapshot(&client, also).await;

    let err = migrate::apply(db.url()).await.unwrap_err();

    let line = format!("{err:#}");
    assert!(!line.contains('\n'), "one line: {line}");
    assert_eq!(snapshot(&client, also).await, before, "{line}");
    line
}

/// A refusal whose line names `reason` and says that nothing changed.
async fn assert_refused(sql: &str, reason: &str) {
    let line = refusal(sql, "select count(*)::text from users").await;
    assert!(line.contains(reason), "{line}");
    assert!(line.contains("nothing was changed"), "{line}");
}

#[tokio::test]
async fn a_like_other_than_0_is_refused_rather_than_lost() {
    let cases = [
        ("update posts set likes = 3 where id in (2, 7)", "2 rows"),
        ("update posts set likes = -1 where id = 4", "1 row"),
    ];
    for (likes, held) in cases {
        let sql = format!("{FASTAPI_BLOG}\n{ADD_LIKES}\n{likes}");

        let line = refusal(&sql, "select id::text, likes::text from posts order by id").await;

        assert_eq!(
            line,
            format!(
                "cannot adopt the FastAPI blog database (nothing was changed): column \
                 `posts.likes` holds a value other than 0 in {held}, which adopting would \
                 lose (Folio has no such column); save them elsewhere and set them to 0 first"
            ),
            "{likes}"
        );
    }
}

#[tokio::test]
async fn a_likes_column_the_course_never_made_is_refused_as_any_unknown_column() {
    let cases = [
        (
            "alter table users add column likes integer not null default 0",
            "users.likes",
        ),
        (
            "alter table posts add column likes text not null default '0'",
            "posts.likes",
        ),
    ];
    for (column, name) in cases {
        let sql = format!("{FASTAPI_BLOG}; {column}");
        assert_refused(
            &sql,
            &format!("column `{name}` is not part of the FastAPI blog's schema and would be lost"),
        )
        .await;
    }
}

#[tokio::test]
async fn emails_differing_only_in_case_are_refused_and_nothing_changes() {
    let sql = format!(
        "{FASTAPI_BLOG}; insert into users (id, username, email, password_hash) \
         values (9, 'ada2', 'ADA@example.com', 'x')"
    );
    assert_refused(
        &sql,
        "users 1, 9 have the same email apart from letter case",
    )
    .await;
}

#[tokio::test]
async fn usernames_differing_only_in_case_are_refused_and_nothing_changes() {
    let sql = format!(
        "{FASTAPI_BLOG}; insert into users (id, username, email, password_hash) \
         values (9, 'BOB', 'bob2@example.com', 'x')"
    );
    assert_refused(
        &sql,
        "users 2, 9 have the same username apart from letter case",
    )
    .await;
}

#[tokio::test]
async fn a_column_the_blog_never_had_is_refused_rather_than_lost() {
    let sql = format!("{FASTAPI_BLOG}; alter table users add column bio text");
    assert_refused(
        &sql,
        "column `users.bio` is not part of the FastAPI blog's schema",
    )
    .await;
}

#[tokio::test]
async fn a_table_the_blog_never_had_is_refused_rather_than_left_behind() {
    let sql = format!("{FASTAPI_BLOG}; create table likes (id int)");
    assert_refused(
        &sql,
        "table `likes` is not part of the FastAPI blog's schema",
    )
    .await;
}

#[tokio::test]
async fn rows_breaking_folios_constraints_roll_the_whole_adoption_back() {
    // A title longer than Folio's 100 characters, in a blog that allowed more.
    let sql = format!(
        "{FASTAPI_BLOG}; alter table posts alter column title type varchar(200); \
         insert into posts (title, content, user_id, date_posted) values (repeat('t', 150), 'c', 1, now())"
    );
    assert_refused(&sql, "copying posts").await;
}

#[tokio::test]
async fn a_users_table_without_any_migration_history_is_refused() {
    assert_refused(
        "create table users (id int, email text); insert into users values (1, 'a@b.c')",
        "has a `users` table but neither Folio's migration history",
    )
    .await;
}

#[tokio::test]
async fn a_blog_still_using_its_tables_makes_adoption_give_up_instead_of_hanging() {
    let (db, _) = database_with(FASTAPI_BLOG).await;
    let mut blog = connect(db.url()).await.unwrap();
    let reading = blog.transaction().await.unwrap();
    reading.query("select id from users", &[]).await.unwrap();

    let err = migrate::apply(db.url()).await.unwrap_err();

    let line = format!("{err:#}");
    assert!(
        line.contains("is the FastAPI blog still running?"),
        "{line}"
    );
    assert!(line.contains("lock timeout"), "{line}");
    reading.rollback().await.unwrap();
    assert!(migrate::apply(db.url()).await.unwrap().adopted.is_some());
}

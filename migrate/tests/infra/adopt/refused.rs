//! Databases `migrate` must refuse: each with one line naming the reason, and nothing
//! changed, down to the rows.

use folio_migrate::{self as migrate, connect::connect};
use tokio_postgres::Client;

use super::{ADD_LIKES, FASTAPI_BLOG, database_with, rows};

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

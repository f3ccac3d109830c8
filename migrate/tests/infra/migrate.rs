use folio_migrate::{self as migrate, connect::connect};
use folio_shared::test_utils::TestDb;

/// `V{n}__{name}` of every file in `migrations/`, in order.
fn migration_names() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let mut names: Vec<(u32, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|file| {
            let name = file.strip_suffix(".sql")?.to_owned();
            let version = name.strip_prefix('V')?.split("__").next()?.parse().ok()?;
            Some((version, name))
        })
        .collect();
    names.sort();
    names.into_iter().map(|(_, name)| name).collect()
}

#[tokio::test]
async fn running_migrations_again_and_from_two_places_at_once_applies_nothing_twice() {
    // TestDb applies the migrations once already.
    let db = TestDb::create().await;

    let (a, b) = tokio::join!(migrate::run(db.url()), migrate::run(db.url()));

    assert!(a.unwrap().is_empty() && b.unwrap().is_empty());
    let client = connect(db.url()).await.unwrap();
    let applied: i64 = client
        .query_one("select count(*) from refinery_schema_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied as usize, migration_names().len());
}

#[tokio::test]
async fn two_runners_on_an_empty_database_apply_each_migration_exactly_once() {
    let (db, _client) = crate::adopt::database_with("").await;

    let (a, b) = tokio::join!(migrate::run(db.url()), migrate::run(db.url()));

    let mut applied = a.unwrap();
    applied.extend(b.unwrap());
    applied.sort_by_key(|name| {
        name[1..]
            .split("__")
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    });
    assert_eq!(applied, migration_names());
}

#[tokio::test]
async fn the_schema_indexes_the_feeds_and_case_insensitive_uniqueness() {
    let db = TestDb::create().await;
    let client = connect(db.url()).await.unwrap();

    let indexes: Vec<String> = client
        .query(
            "select indexname from pg_indexes where schemaname = 'public' order by 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();

    for expected in [
        "posts_date_posted_id_idx",
        "posts_user_id_date_posted_idx",
        "users_email_lower_key",
        "users_username_lower_key",
        "password_reset_tokens_token_hash_key",
        "mail_outbox_unqueued_idx",
    ] {
        assert!(
            indexes.iter().any(|i| i == expected),
            "{expected} in {indexes:?}"
        );
    }
}

#[tokio::test]
async fn every_new_session_has_the_statement_limits_of_v7() {
    let db = TestDb::create().await;
    let client = connect(db.url()).await.unwrap();
    let setting = async |name: &str| -> String {
        client
            .query_one(&format!("show {name}"), &[])
            .await
            .unwrap()
            .get(0)
    };

    assert_eq!(setting("statement_timeout").await, "10s");
    assert_eq!(setting("idle_in_transaction_session_timeout").await, "15s");
    // A second migrate run on a session of its own, long statements allowed.
    assert!(migrate::run(db.url()).await.unwrap().is_empty());
}

#[tokio::test]
async fn usernames_that_break_todays_rules_are_counted_and_keep_working() {
    let db = TestDb::create().await;
    let client = connect(db.url()).await.unwrap();
    // The database as it was before V8 (so without V9 either), holding what an adopted
    // FastAPI blog database may: a line break, a zero-width space, and one name stored
    // decomposed and composed.
    client
        .batch_execute(
            "drop trigger posts_stamp_edit on posts;
             drop function stamp_post_edit();
             alter table posts drop column updated_at;
             delete from refinery_schema_history where name = 'post_updated_at';
             drop index users_username_nfc_key;
             delete from refinery_schema_history where name = 'username_nfc_uniqueness';
             insert into users (username, email, password_hash) values
                 (E'ann\\nbcc', 'a@example.com', 'x'),
                 (E'bob\\u200b', 'b@example.com', 'x'),
                 (E'Zoe\\u0308', 'z1@example.com', 'x'),
                 (E'zo\\u00eb', 'z2@example.com', 'x'),
                 (E'Cafe\\u0301', 'c@example.com', 'x')",
        )
        .await
        .unwrap();

    let outcome = migrate::apply(db.url()).await.unwrap();

    assert_eq!(
        outcome.applied,
        ["V8__username_nfc_uniqueness", "V9__post_updated_at"],
        "never a failed migration"
    );
    assert_eq!(
        outcome.usernames,
        migrate::UsernameReport {
            breaking_rules: 4,
            colliding: 2,
        }
    );
    // A decomposed name with no twin is in the index: its composed spelling is refused,
    // which the plain lower() index alone would let through.
    let impostor = client
        .execute(
            "insert into users (username, email, password_hash) values (E'caf\\u00e9', 'c2@example.com', 'x')",
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(
        impostor.as_db_error().unwrap().constraint(),
        Some("users_username_nfc_key")
    );
}

/// Runs the `migrate` binary with only `vars` set; returns its exit code and stderr.
fn run_binary(vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_migrate"))
        .env_clear()
        .envs(vars.iter().copied())
        // No `.env` of the repository is read from an empty directory.
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_refuses_an_unknown_app_env_and_a_production_run_without_a_database_url() {
    for (vars, line) in [
        (
            &[("APP_ENV", "staging")][..],
            "configuration error: APP_ENV: must be `development` or `production`",
        ),
        (
            &[("APP_ENV", "production")][..],
            "configuration error: DATABASE_URL: is required in production",
        ),
    ] {
        let (code, stderr) = run_binary(vars);

        assert_eq!(code, Some(1), "{vars:?}: {stderr}");
        assert!(stderr.contains(line), "{vars:?}: {stderr}");
    }
}

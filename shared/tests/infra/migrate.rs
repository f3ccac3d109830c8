use folio_shared::{db::connect_one, migrate, test_utils::TestDb};

#[tokio::test]
async fn running_migrations_again_and_from_two_places_at_once_applies_nothing_twice() {
    // TestDb applies the migrations once already.
    let db = TestDb::create().await;

    let (a, b) = tokio::join!(migrate::run(db.url()), migrate::run(db.url()));

    assert!(a.unwrap().is_empty() && b.unwrap().is_empty());
    let client = connect_one(db.url()).await.unwrap();
    let applied: i64 = client
        .query_one("select count(*) from refinery_schema_history", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, 4);
}

#[tokio::test]
async fn two_runners_on_an_empty_database_apply_each_migration_exactly_once() {
    let db = TestDb::create().await;
    let client = connect_one(db.url()).await.unwrap();
    client
        .batch_execute(
            "drop table mail_outbox, password_reset_tokens, posts, users, refinery_schema_history",
        )
        .await
        .unwrap();

    let (a, b) = tokio::join!(migrate::run(db.url()), migrate::run(db.url()));

    let mut applied = a.unwrap();
    applied.extend(b.unwrap());
    applied.sort();
    assert_eq!(
        applied,
        [
            "V1__create_users",
            "V2__create_posts",
            "V3__create_password_reset_tokens",
            "V4__create_mail_outbox"
        ]
    );
}

#[tokio::test]
async fn the_schema_indexes_the_feeds_and_case_insensitive_uniqueness() {
    let db = TestDb::create().await;
    let client = connect_one(db.url()).await.unwrap();

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

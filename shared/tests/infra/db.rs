use folio_shared::{
    db::{Db, Queryable, Sql, StatementMode},
    test_utils::TestDb,
};
use secrecy::SecretString;
use tokio_postgres::types::Type;

const INSERT: Sql = Sql::new(
    "insert into users (username, email, password_hash) values ($1, $2, 'x') returning id",
    &[Type::VARCHAR, Type::VARCHAR],
);
const BY_NAME: Sql = Sql::new(
    "select id from users where lower(username) = lower($1)",
    &[Type::TEXT],
);

async fn exercise(mode: StatementMode) {
    let db = TestDb::create().await;
    let pool = Db::connect_lazy(db.url(), 2, mode).unwrap();

    // Same statement many times on few connections: cached or unnamed, both must hold up.
    for i in 0..20 {
        let conn = pool.conn().await.unwrap();
        let name = format!("user{i}");
        conn.query(&INSERT, &[&name, &format!("{name}@example.com")])
            .await
            .unwrap();
        assert!(
            conn.query_opt(&BY_NAME, &[&name.to_uppercase()])
                .await
                .unwrap()
                .is_some()
        );
    }

    let mut conn = pool.conn().await.unwrap();
    let tx = conn.transaction().await.unwrap();
    tx.execute(&INSERT, &[&"rolled back", &"rb@example.com"])
        .await
        .unwrap();
    drop(tx);
    assert!(
        conn.query_opt(&BY_NAME, &[&"rolled back"])
            .await
            .unwrap()
            .is_none(),
        "dropped transactions roll back"
    );

    let err = conn
        .query(&INSERT, &[&"USER0", &"other@example.com"])
        .await
        .unwrap_err();
    assert_eq!(err.unique_violation(), Some("users_username_lower_key"));
    assert!(!err.is_unavailable());
}

#[tokio::test]
async fn prepared_statements_run_repeatedly_and_in_transactions() {
    exercise(StatementMode::Prepared).await;
}

#[tokio::test]
async fn unnamed_statements_run_repeatedly_and_in_transactions() {
    exercise(StatementMode::Unnamed).await;
}

#[tokio::test]
async fn an_unreachable_database_is_reported_as_unavailable_quickly() {
    let url = SecretString::from("postgres://postgres@127.0.0.1:1/none");
    let pool = Db::connect_lazy(&url, 2, StatementMode::Prepared).unwrap();

    let err = pool
        .conn()
        .await
        .err()
        .expect("no connection to a closed port");

    assert!(err.is_unavailable());
}

#[tokio::test]
async fn a_statement_the_server_cancels_is_an_outage_not_a_bug() {
    let db = TestDb::create().await;
    let pool = Db::connect_lazy(db.url(), 1, StatementMode::Prepared).unwrap();
    let mut conn = pool.conn().await.unwrap();
    let tx = conn.transaction().await.unwrap();
    tx.execute(&Sql::new("set local statement_timeout = '50ms'", &[]), &[])
        .await
        .unwrap();

    let err = tx
        .query(&Sql::new("select pg_sleep(5)", &[]), &[])
        .await
        .unwrap_err();

    assert!(
        err.is_unavailable(),
        "a cancelled statement answers 503: {err}"
    );
}

use folio_shared::{
    db::{Db, StatementMode},
    queue::{MailJob, MailKind, MailQueue, insert_outbox, stream_key},
    test_utils::{RedisPrefix, TestDb, redis_url},
};

async fn unqueued_outbox_rows(db: &TestDb) -> i64 {
    let client = folio_shared::db::connect_one(db.url()).await.unwrap();
    let row = client
        .query_one(
            "select count(*) from mail_outbox where queued_at is null",
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

/// The jobs on the mail stream under `prefix`, oldest first, read on a connection of
/// `client`'s own (as the mail worker reads them).
pub(crate) async fn jobs_on_stream(client: &redis::Client, prefix: &str) -> Vec<MailJob> {
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(stream_key(prefix))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap();
    entries
        .ids
        .iter()
        .map(|entry| {
            MailJob::from_fields(|k| {
                entry
                    .map
                    .get(k)
                    .map(|v| redis::from_redis_value::<String>(v.clone()).unwrap())
            })
            .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn publishing_an_outbox_job_adds_it_to_the_stream_and_marks_the_row() {
    let db = TestDb::create().await;
    let pool = Db::connect_lazy(db.url(), 2, StatementMode::Prepared).unwrap();
    let redis = folio_shared::redis::connect_lazy(&redis_url().into()).unwrap();
    let prefix = RedisPrefix::new();
    let queue = MailQueue::new(redis, prefix.name());
    let job = MailJob::new(
        MailKind::PasswordReset,
        "ann@example.com",
        "ann",
        "http://x/reset-password?token=t",
    );
    let mut conn = pool.conn().await.unwrap();
    let tx = conn.transaction().await.unwrap();
    insert_outbox(&tx, &job).await.unwrap();
    tx.commit().await.unwrap();

    queue.publish(&pool, &job).await.unwrap();

    let client = redis::Client::open(redis_url()).unwrap();
    let on_stream = jobs_on_stream(&client, prefix.name()).await;
    assert_eq!(on_stream.len(), 1);
    assert_eq!(on_stream[0].id, job.id);
    assert_eq!(unqueued_outbox_rows(&db).await, 0);
}

#[tokio::test]
async fn publishing_with_redis_down_fails_fast_and_leaves_the_row_unqueued() {
    let db = TestDb::create().await;
    let pool = Db::connect_lazy(db.url(), 2, StatementMode::Prepared).unwrap();
    let redis = folio_shared::redis::connect_lazy(&"redis://127.0.0.1:1".into()).unwrap();
    let queue = MailQueue::new(redis, "test-down");
    let job = MailJob::new(MailKind::PasswordChanged, "ann@example.com", "ann", "");
    let conn = pool.conn().await.unwrap();
    insert_outbox(&conn, &job).await.unwrap();

    assert!(queue.publish(&pool, &job).await.is_err());

    assert_eq!(unqueued_outbox_rows(&db).await, 1);
}

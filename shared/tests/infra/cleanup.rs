//! Tests leave nothing in the Redis everyone shares: a test's key prefix goes with it,
//! whether it passes or panics.

use folio_shared::{
    config::ProcessSettings,
    server::{App, BoundListener},
    test_utils::{RedisPrefix, TestServer, redis_url},
};
use poem::{EndpointExt, Route};
use redis::AsyncCommands;

async fn conn() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Keys of the kinds the services write: a plain value, a rate-limit counter, a stream.
async fn write_keys(prefix: &str) {
    let mut conn = conn().await;
    let _: () = conn.set(format!("{prefix}:mail:sent:1"), 1).await.unwrap();
    let _: i64 = conn
        .incr(format!("{prefix}:ratelimit:login:x"), 1)
        .await
        .unwrap();
    let _: String = conn
        .xadd(format!("{prefix}:mail"), "*", &[("kind", "test")])
        .await
        .unwrap();
}

async fn keys_under(prefix: &str) -> Vec<String> {
    let mut conn = conn().await;
    let mut found = conn
        .scan_match::<_, String>(format!("{prefix}*"))
        .await
        .unwrap();
    let mut keys = Vec::new();
    while let Some(key) = found.next_item().await {
        keys.push(key.unwrap());
    }
    keys
}

/// A service with nothing to serve: what is under test is the harness around it.
async fn spawn_server(overrides: &[(&str, &str)]) -> TestServer<ProcessSettings> {
    TestServer::spawn(overrides, |_settings: ProcessSettings| async {
        Ok(App::new(
            BoundListener::bind(0).await?,
            Route::new().boxed(),
        ))
    })
    .await
}

#[tokio::test]
async fn a_redis_prefix_takes_its_keys_with_it_when_dropped() {
    let prefix = RedisPrefix::new();
    let name = prefix.name().to_owned();
    write_keys(&name).await;
    assert_eq!(keys_under(&name).await.len(), 3, "the keys were written");

    drop(prefix);

    assert_eq!(keys_under(&name).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_test_server_deletes_the_keys_under_its_prefix_when_dropped() {
    let server = spawn_server(&[]).await;
    let name = server.redis_key_prefix.clone();
    write_keys(&name).await;
    assert_eq!(keys_under(&name).await.len(), 3, "the keys were written");

    drop(server);

    assert_eq!(keys_under(&name).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_test_that_panics_leaves_no_keys_either() {
    let (named, name) = tokio::sync::oneshot::channel();
    let failing_test = tokio::spawn(async move {
        let server = spawn_server(&[]).await;
        write_keys(&server.redis_key_prefix).await;
        let _ = named.send(server.redis_key_prefix.clone());
        panic!("the test fails here, after writing its keys");
    });

    assert!(failing_test.await.unwrap_err().is_panic());

    let name = name.await.unwrap();
    assert_eq!(keys_under(&name).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_server_handed_a_prefix_leaves_its_keys_to_the_prefix_owner() {
    let owner = RedisPrefix::new();
    let second = spawn_server(&[("REDIS_KEY_PREFIX", owner.name())]).await;
    write_keys(owner.name()).await;

    drop(second);
    assert_eq!(
        keys_under(owner.name()).await.len(),
        3,
        "still there for the owner"
    );
    let name = owner.name().to_owned();
    drop(owner);

    assert_eq!(keys_under(&name).await, Vec::<String>::new());
}

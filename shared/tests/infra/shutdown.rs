use std::time::Duration;

use folio_shared::server::BoundListener;
use poem::{Route, get, handler};

#[handler]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(800)).await;
    "finished"
}

#[tokio::test]
async fn a_shutdown_signal_lets_in_flight_requests_finish_and_refuses_new_connections() {
    let listener = BoundListener::bind_addr("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = format!("http://{}/slow", listener.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(listener.serve(Route::new().at("/slow", get(slow)), async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let in_flight = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();

    assert_eq!(in_flight.await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(9), server)
        .await
        .expect("drained within the drain timeout")
        .unwrap()
        .unwrap();
    assert!(
        reqwest::Client::new().get(&url).send().await.is_err(),
        "no longer accepting"
    );
}

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

#[tokio::test]
async fn background_workers_hear_the_shutdown_and_finish_before_run_until_returns() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };

    use folio_shared::server::App;
    use poem::EndpointExt;

    let listener = BoundListener::bind_addr("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut app = App::new(listener, Route::new().at("/slow", get(slow)).boxed());
    let finished = Arc::new(AtomicBool::new(false));
    let flag = finished.clone();
    app.spawn_worker(|mut shutdown| async move {
        shutdown.wait().await;
        // Wrapping up the job in hand takes a moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
        flag.store(true, Ordering::SeqCst);
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!finished.load(Ordering::SeqCst));

    stop.send(()).unwrap();
    running.await.unwrap().unwrap();

    assert!(
        finished.load(Ordering::SeqCst),
        "run_until waited for the worker"
    );
}

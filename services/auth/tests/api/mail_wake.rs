//! Auth wakes the mail worker when it queues a mail, before it answers: for a known and
//! an unknown email alike (the time of the answer must not tell them apart). A wake that
//! fails changes nothing in the answer.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use folio_shared::server::BoundListener;
use poem::{
    EndpointExt, Route, handler,
    http::{HeaderMap, StatusCode},
    post,
    web::Data,
};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_message, spawn_app_with};

const TOKEN: &str = "wake-token-of-the-auth-tests";
const FORGOT_MESSAGE: &str =
    "If an account exists with this email, you will receive password reset instructions.";

/// The `Authorization` header of every wake received.
type Wakes = Arc<Mutex<Vec<String>>>;

#[handler]
fn record_wake(headers: &HeaderMap, wakes: Data<&Wakes>) -> StatusCode {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    wakes.lock().unwrap().push(authorization.to_owned());
    StatusCode::ACCEPTED
}

/// A stand-in for the mail worker's wake endpoint that counts the wakes.
struct WakeListener {
    url: String,
    wakes: Wakes,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WakeListener {
    async fn start() -> Self {
        let wakes = Wakes::default();
        let listener = BoundListener::bind_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}/internal/wake", listener.addr());
        let app = Route::new()
            .at("/internal/wake", post(record_wake))
            .data(wakes.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(listener.serve(app, async {
            let _ = stopped.await;
        }));
        Self {
            url,
            wakes,
            _stop: stop,
        }
    }

    fn wakes(&self) -> Vec<String> {
        self.wakes.lock().unwrap().clone()
    }
}

async fn auth_waking(url: &str) -> TestApp {
    spawn_app_with(&[("MAIL_WAKE_URL", url), ("MAIL_WAKE_TOKEN", TOKEN)]).await
}

/// Auth waking a stand-in worker, with ann registered.
async fn ann_and_a_listening_worker() -> (WakeListener, TestApp, TestUser) {
    let worker = WakeListener::start().await;
    let app = auth_waking(&worker.url).await;
    let ann = app.user("ann").await;
    (worker, app, ann)
}

/// Asks for a reset link and checks the usual answer.
async fn forgot(app: &TestApp, email: &str) {
    let response = app.forgot_password(email).await;
    assert_message(response, reqwest::StatusCode::ACCEPTED, FORGOT_MESSAGE).await;
}

#[tokio::test]
async fn forgot_password_wakes_the_mail_worker_for_a_known_and_an_unknown_email() {
    let (worker, app, _) = ann_and_a_listening_worker().await;

    forgot(&app, "ann@example.com").await;
    assert_eq!(worker.wakes(), [format!("Bearer {TOKEN}")], "a known email");

    forgot(&app, "nobody@example.com").await;
    assert_eq!(worker.wakes().len(), 2, "an unknown email, the same way");
    assert!(
        worker
            .wakes()
            .iter()
            .all(|w| *w == format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn reset_password_wakes_the_worker_for_the_password_changed_mail() {
    let (worker, app, _) = ann_and_a_listening_worker().await;
    forgot(&app, "ann@example.com").await;
    let token = app.mailed_token().await;

    let reset = app.reset_password(&token, "a new password").await;

    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(
        worker.wakes().len(),
        2,
        "one for the link, one for the notice"
    );
}

#[tokio::test]
async fn forgot_password_answers_as_usual_when_nothing_listens_at_the_wake_url() {
    let app = auth_waking("http://127.0.0.1:1/internal/wake").await;
    app.user("ann").await;

    forgot(&app, "ann@example.com").await;
    forgot(&app, "nobody@example.com").await;

    let queued = app
        .count("select count(*) from mail_outbox where payload->>'to' = 'ann@example.com'")
        .await;
    assert_eq!(queued, 1, "the mail is queued all the same");
}

#[tokio::test]
async fn forgot_password_answers_as_usual_when_the_worker_never_acknowledges_the_wake() {
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/internal/wake", silent.local_addr().unwrap());
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let app = auth_waking(&url).await;
    app.user("ann").await;

    // A bound on waiting, far above the wake's own timeout: without one, the answer
    // would wait for ever.
    let answered = tokio::time::timeout(Duration::from_secs(20), async {
        forgot(&app, "ann@example.com").await;
        forgot(&app, "nobody@example.com").await;
    })
    .await;

    assert!(
        answered.is_ok(),
        "the answers did not wait on the silent worker"
    );
}

#[tokio::test]
async fn a_password_change_and_an_email_change_wake_the_worker_for_their_notices() {
    let (worker, app, ann) = ann_and_a_listening_worker().await;

    let changed = app
        .change_password(&ann.token, PASSWORD, "a new password")
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    assert_eq!(worker.wakes().len(), 1, "the password-changed notice");

    // A password change ends the sessions it did not come from: log in again.
    let token = app.token(&ann.email, "a new password").await;
    let moved = app
        .patch_user(
            ann.id,
            Some(&token),
            json!({"email": "ann.new@example.com", "current_password": "a new password"}),
        )
        .await;
    assert_eq!(moved.status().as_u16(), 200);
    assert_eq!(worker.wakes().len(), 2, "the email-changed notice");
}

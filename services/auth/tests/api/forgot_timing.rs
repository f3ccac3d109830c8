//! What forgot-password does must not depend on whether the email has an account: the
//! time of the answer would tell who is registered.

use crate::helpers::{TestApp, spawn_app};

/// Statements the auth service has run, from its `/metrics`.
async fn statements_run(app: &TestApp) -> u64 {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("folio_db_statements_total "))
        .and_then(|n| n.parse().ok())
        .expect("the statement counter is reported")
}

#[tokio::test]
async fn forgot_password_does_the_same_database_work_for_an_unknown_email() {
    let app = spawn_app().await;
    app.user("ann").await;

    let before = statements_run(&app).await;
    app.forgot_password("nobody@example.com").await;
    let unknown = statements_run(&app).await - before;

    let before = statements_run(&app).await;
    app.forgot_password("ann@example.com").await;
    // After the answer, the job is queued and its outbox row marked: one more statement
    // that no client waits for.
    for _ in 0..100 {
        let queued = app
            .count("select count(*) from mail_outbox where queued_at is not null")
            .await;
        if queued == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let known = statements_run(&app).await - before - 1;

    assert_eq!(
        unknown, known,
        "the answer's time must not tell the emails apart"
    );
}

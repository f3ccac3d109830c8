use reqwest::StatusCode;

use crate::helpers::{PASSWORD, assert_limited, spawn_app, spawn_app_with};

#[tokio::test]
async fn login_attempts_past_the_limit_get_429_with_retry_after() {
    let app = spawn_app_with(&[("LOGIN_RATE_LIMIT_PER_MINUTE", "3")]).await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    for _ in 0..3 {
        assert_eq!(
            app.login("ann@example.com", "wrong password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }

    assert_limited(app.login("ann@example.com", PASSWORD).await, 60).await;
}

#[tokio::test]
async fn forgot_and_reset_password_past_their_limits_get_429() {
    let app = spawn_app_with(&[("PASSWORD_RESET_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let forgot = || app.forgot_password("x@example.com");
    let reset = || app.reset_password("guess", "long enough");

    for _ in 0..2 {
        assert_eq!(forgot().await.status(), StatusCode::ACCEPTED);
        assert_eq!(reset().await.status(), StatusCode::BAD_REQUEST);
    }

    assert_limited(forgot().await, 60).await;
    assert_limited(reset().await, 60).await;
}

#[tokio::test]
async fn registrations_past_the_limit_get_429() {
    let app = spawn_app_with(&[("REGISTER_RATE_LIMIT_PER_MINUTE", "2")]).await;

    assert_eq!(
        app.register("a", "a@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.register("b", "b@example.com", PASSWORD).await.status(),
        StatusCode::CREATED
    );

    assert_limited(app.register("c", "c@example.com", PASSWORD).await, 60).await;
}

#[tokio::test]
async fn limits_degrade_open_when_redis_is_down() {
    let app = spawn_app_with(&[
        ("LOGIN_RATE_LIMIT_PER_MINUTE", "1"),
        ("PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE", "1"),
        ("REDIS_URL", "redis://127.0.0.1:1"),
    ])
    .await;
    let ann = app.user("ann").await;

    for _ in 0..3 {
        assert_eq!(
            app.login("ann@example.com", PASSWORD).await.status(),
            StatusCode::OK
        );
    }
    for _ in 0..2 {
        assert_eq!(
            app.change_password(&ann.token, "not it at all", "a brand new secret")
                .await
                .status(),
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        app.change_password(&ann.token, PASSWORD, "a brand new secret")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn reset_mails_stop_at_the_cap_and_the_last_link_mailed_keeps_working() {
    let app = spawn_app().await;
    app.register("ann", "ann@example.com", PASSWORD).await;
    // Five requests (the default cap), each from another client as a flood would come.
    for n in 1..=5 {
        let client = format!("203.0.113.{n}");
        assert_eq!(
            app.forgot_from(&client, "ann@example.com").await.status(),
            StatusCode::ACCEPTED
        );
    }
    let mailed = app.mail_jobs().await;
    assert_eq!(mailed.len(), 5);

    let owner = app.forgot_from("198.51.100.7", "ann@example.com").await;

    assert_eq!(owner.status(), StatusCode::ACCEPTED);
    assert_eq!(app.mail_jobs().await.len(), 5, "no sixth mail");
    let token = mailed[4]["link"].split("token=").nth(1).unwrap();
    let reset = app.reset_password(token, "a brand new secret").await;
    assert_eq!(
        reset.status(),
        StatusCode::OK,
        "the last link is not voided"
    );
}

#[tokio::test]
async fn forgot_password_requests_from_every_client_together_stop_at_the_hourly_backstop() {
    let app = spawn_app_with(&[("ACCOUNT_RATE_LIMIT_PER_HOUR", "2")]).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(
            app.forgot_from(client, "ann@example.com").await.status(),
            StatusCode::ACCEPTED
        );
    }

    assert_limited(
        app.forgot_from("198.51.100.7", "ann@example.com").await,
        3600,
    )
    .await;
    assert_eq!(
        app.forgot_from("198.51.100.7", "bob@example.com")
            .await
            .status(),
        StatusCode::ACCEPTED,
        "other addresses are not affected"
    );
}

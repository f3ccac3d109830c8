use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    PASSWORD, TestApp, assert_detail, assert_limited, retry_after, spawn_app, spawn_app_with,
    spawn_app_with_users,
};

#[tokio::test]
async fn login_returns_a_bearer_token_that_opens_me() {
    let app = spawn_app().await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    let response = app.login("ann@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    let me = app
        .get("/api/users/me", body["access_token"].as_str())
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ann@example.com");
}

#[tokio::test]
async fn login_accepts_the_email_in_any_letter_case() {
    let app = spawn_app().await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    assert_eq!(
        app.login("ANN@Example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    let wrong = app.login("ann@example.com", "wrong password").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;

    for response in [wrong, unknown] {
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let detail = "Incorrect email or password";
        assert_detail(response, StatusCode::UNAUTHORIZED, detail).await;
    }
}

#[tokio::test]
async fn login_without_the_password_field_is_422() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/users/token"))
        .form(&[("username", "a@example.com")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"][0]["loc"], serde_json::json!(["body"]));
    assert!(
        body["detail"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("password")
    );
}

#[tokio::test]
async fn login_with_json_instead_of_a_form_is_415() {
    let app = spawn_app().await;
    let body = serde_json::json!({"username": "a@example.com", "password": PASSWORD});
    let response = app.post_json("/api/users/token", body).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// `old@example.com` with password "legacy password", hashed as the FastAPI blog did.
async fn insert_legacy_user(app: &TestApp) {
    let legacy = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(65536, 3, 4, None).unwrap(),
    )
    .hash_password(b"legacy password")
    .unwrap()
    .to_string();
    app.pg()
        .await
        .execute(
            "insert into users (username, email, password_hash) values ('old', 'old@example.com', $1)",
            &[&legacy],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_fastapi_blog_hash_logs_in_and_is_upgraded_to_current_parameters() {
    let app = spawn_app().await;
    insert_legacy_user(&app).await;

    assert_eq!(
        app.login("old@example.com", "legacy password")
            .await
            .status(),
        StatusCode::OK
    );

    let stored = app.password_hash().await;
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert_eq!(
        app.login("old@example.com", "legacy password")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.login("old@example.com", "wrong").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_jwks_verifies_issued_tokens_and_is_cacheable() {
    let (app, [user]) = spawn_app_with_users(["ann"]).await;

    let response = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let jwks: jsonwebtoken::jwk::JwkSet = response.json().await.unwrap();

    let header = jsonwebtoken::decode_header(&user.token).unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("the token's kid is published");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["folio-api"]);
    validation.set_issuer(&["folio-auth"]);
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let data = jsonwebtoken::decode::<Value>(&user.token, &key, &validation).unwrap();
    assert_eq!(data.claims["sub"], user.id.to_string());
    assert_eq!(data.claims["ver"], 0);
}

const OWNER: &str = "198.51.100.7";

/// The owner of `email`, from their own address, still logs in.
async fn assert_owner_logs_in(app: &TestApp, email: &str) {
    let status = app.login_status_from(OWNER, email, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{email} logs in from the owner's address"
    );
}

#[tokio::test]
async fn failed_logins_by_others_do_not_keep_the_owner_out() {
    let app = spawn_app().await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    // Twice the per-minute limit (10) of wrong guesses on ann's account, from two clients.
    for guesser in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..10 {
            assert_eq!(
                app.login_status_from(guesser, "ann@example.com", "wrong password")
                    .await,
                StatusCode::UNAUTHORIZED
            );
        }
    }

    assert_owner_logs_in(&app, "ann@example.com").await;
}

#[tokio::test]
async fn a_client_past_its_failures_is_refused_even_with_the_right_password() {
    let app = spawn_app_with(&[("LOGIN_RATE_LIMIT_PER_MINUTE", "3")]).await;
    app.register("ann", "ann@example.com", PASSWORD).await;
    for _ in 0..3 {
        app.login_from("203.0.113.1", "ann@example.com", "wrong password")
            .await;
    }

    let guesser = app
        .login_from("203.0.113.1", "ann@example.com", PASSWORD)
        .await;

    assert_limited(guesser, 60).await;
    assert_owner_logs_in(&app, "ann@example.com").await;
}

#[tokio::test]
async fn successful_logins_do_not_count_against_the_account() {
    let app = spawn_app_with(&[
        ("LOGIN_RATE_LIMIT_PER_MINUTE", "2"),
        ("ACCOUNT_RATE_LIMIT_PER_HOUR", "2"),
    ])
    .await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    // Each of ann's devices logs in twice, past both the per-minute and the hourly limit.
    for device in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        for _ in 0..2 {
            assert_eq!(
                app.login_status_from(device, "ann@example.com", PASSWORD)
                    .await,
                StatusCode::OK
            );
        }
    }

    let wrong = app
        .login_from("198.51.100.4", "ann@example.com", "wrong password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failures_from_every_client_together_stop_at_the_hourly_backstop() {
    let app = spawn_app_with(&[("ACCOUNT_RATE_LIMIT_PER_HOUR", "3")]).await;
    app.register("ann", "ann@example.com", PASSWORD).await;
    app.register("bob", "bob@example.com", PASSWORD).await;
    for guesser in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        assert_eq!(
            app.login_status_from(guesser, "ann@example.com", "wrong password")
                .await,
            StatusCode::UNAUTHORIZED
        );
    }

    let owner = app.login_from(OWNER, "ann@example.com", PASSWORD).await;

    // The window is an hour: Retry-After says more than a minute.
    let seconds = retry_after(&owner);
    assert!(seconds > 60, "{seconds}");
    assert_limited(owner, 3600).await;
    assert_eq!(
        app.login_status_from(OWNER, "bob@example.com", PASSWORD)
            .await,
        StatusCode::OK,
        "other accounts are not affected"
    );
}

#[tokio::test]
async fn legacy_hashes_are_known_to_remain_until_their_last_owner_logs_in() {
    let app = spawn_app().await;
    let db = folio_shared::db::Db::connect_lazy(
        app.db.url(),
        1,
        folio_shared::db::StatementMode::Prepared,
    )
    .unwrap();
    app.register("new", "new@example.com", PASSWORD).await;
    assert!(!folio_auth::legacy_hashes::remain(&db).await.unwrap());
    insert_legacy_user(&app).await;
    assert!(folio_auth::legacy_hashes::remain(&db).await.unwrap());

    app.login("old@example.com", "legacy password").await;

    assert!(!folio_auth::legacy_hashes::remain(&db).await.unwrap());
}

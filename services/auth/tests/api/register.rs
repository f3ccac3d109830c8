use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    NOT_AN_EMAIL, PASSWORD, assert_detail, assert_invalid, assert_invalid_at, assert_invalid_case,
    send_bytes, spawn_app,
};

#[tokio::test]
async fn register_returns_201_with_the_private_user_and_a_lowercased_email() {
    let app = spawn_app().await;

    let response = app.register("Ann", "Ann.Smith@Example.COM", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "Ann");
    assert_eq!(body["email"], "ann.smith@example.com");
    assert_eq!(body["image_file"], Value::Null);
    assert_eq!(body["image_path"], "/static/profile_pics/default.jpg");
    assert!(body["id"].as_i64().unwrap() > 0);
    assert!(body.get("password_hash").is_none() && body.get("password").is_none());
}

#[tokio::test]
async fn register_stores_an_argon2id_hash_never_the_password() {
    let app = spawn_app().await;
    app.register("ann", "ann@example.com", PASSWORD).await;

    let hash = app.password_hash().await;

    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn register_refuses_a_taken_username_or_email_in_any_letter_case() {
    let app = spawn_app().await;
    app.register("Ann", "ann@example.com", PASSWORD).await;

    for (username, email, detail) in [
        ("aNN", "other@example.com", "Username already exists"),
        ("bob", "ANN@EXAMPLE.com", "Email already exists"),
    ] {
        let response = app.register(username, email, PASSWORD).await;
        assert_detail(response, StatusCode::BAD_REQUEST, detail).await;
    }
    assert_eq!(app.count("select count(*) from users").await, 1);
}

#[tokio::test]
async fn eight_concurrent_registrations_of_one_name_give_exactly_one_201() {
    let app = spawn_app().await;

    let attempts = (0..8).map(|i| {
        let app = &app;
        async move {
            app.register("race", &format!("racer{i}@example.com"), PASSWORD)
                .await
        }
    });
    let responses = futures_util::future::join_all(attempts).await;

    let mut created = 0;
    for response in responses {
        if response.status() == StatusCode::CREATED {
            created += 1;
        } else {
            assert_detail(response, StatusCode::BAD_REQUEST, "Username already exists").await;
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.count("select count(*) from users").await, 1);
}

#[tokio::test]
async fn register_answers_422_for_every_invalid_field_and_writes_nothing() {
    let app = spawn_app().await;
    let long_email = format!("{}@example.com", "a".repeat(110));
    let cases = [
        (
            json!({"username": "", "email": "a@example.com", "password": PASSWORD}),
            vec!["body", "username"],
            "String should have at least 1 character",
            "empty username",
        ),
        (
            json!({"username": "x".repeat(51), "email": "a@example.com", "password": PASSWORD}),
            vec!["body", "username"],
            "String should have at most 50 characters",
            "51-character username",
        ),
        (
            json!({"username": "ann", "email": "not-an-email", "password": PASSWORD}),
            vec!["body", "email"],
            NOT_AN_EMAIL,
            "email without @",
        ),
        (
            json!({"username": "ann", "email": long_email, "password": PASSWORD}),
            vec!["body", "email"],
            "String should have at most 120 characters",
            "121-character email",
        ),
        (
            json!({"username": "ann", "email": "a@example.com", "password": "1234567"}),
            vec!["body", "password"],
            "String should have at least 8 characters",
            "7-character password",
        ),
        (
            json!({"username": "a\u{0}n", "email": "a@example.com", "password": PASSWORD}),
            vec!["body", "username"],
            "Username must not contain control, format or line-break characters",
            "NUL in username",
        ),
    ];
    for (body, loc, msg, case) in cases {
        let response = app.post_json("/api/users", body).await;
        assert_invalid_case(response, &loc, msg, case).await;
    }
    assert_eq!(app.count("select count(*) from users").await, 0);
}

#[tokio::test]
async fn register_answers_422_at_body_for_missing_fields_wrong_types_and_broken_json() {
    let app = spawn_app().await;
    for (raw, case) in [
        (
            r#"{"username": "ann", "email": "a@example.com"}"#,
            "missing password",
        ),
        (
            r#"{"username": ["ann"], "email": "a@example.com", "password": "password1"}"#,
            "list as username",
        ),
        (
            r#"{"username": null, "email": "a@example.com", "password": "password1"}"#,
            "null username",
        ),
        (
            r#"{"username": 7, "email": "a@example.com", "password": "password1"}"#,
            "a number as username (pydantic refuses it; it is not text \"7\")",
        ),
        (
            r#"{"username": "ann", "email": "a@example.com", "password": false}"#,
            "a boolean as password",
        ),
        (r#"{"username": "ann", "#, "truncated JSON"),
        ("[]", "array body"),
    ] {
        let register = (Method::POST, "/api/users");
        let body = raw.as_bytes().to_vec();
        let response = send_bytes(&app, register, None, "application/json", body).await;
        assert_invalid_at(response, &["body"], case).await;
    }
    assert_eq!(app.count("select count(*) from users").await, 0);
}

#[tokio::test]
async fn register_without_a_body_is_422_and_with_a_wrong_content_type_is_415() {
    let app = spawn_app().await;

    let missing = app.client.post(app.url("/api/users")).send().await.unwrap();
    assert_invalid(missing, &["body"], "Field required").await;

    let text = app
        .client
        .post(app.url("/api/users"))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    let detail = "Unsupported content type: text/plain";
    assert_detail(text, StatusCode::UNSUPPORTED_MEDIA_TYPE, detail).await;
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_with_or_without_content_length() {
    let app = spawn_app().await;
    let huge =
        json!({"username": "x".repeat(70_000), "email": "a@example.com", "password": PASSWORD})
            .to_string();

    let declared = app
        .client
        .post(app.url("/api/users"))
        .header("content-type", "application/json")
        .body(huge.clone())
        .send()
        .await
        .unwrap();
    assert_detail(
        declared,
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request body too large",
    )
    .await;

    let chunks = futures_util::stream::iter(
        huge.into_bytes()
            .chunks(8192)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let chunked = app
        .client
        .post(app.url("/api/users"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_detail(
        chunked,
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request body too large",
    )
    .await;
    assert_eq!(app.count("select count(*) from users").await, 0);
}

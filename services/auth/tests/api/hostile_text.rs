//! A NUL character (which Postgres text cannot hold) or bytes that are not UTF-8, in any
//! text field of any auth endpoint: a 4xx naming the problem, never a 500, nothing written.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_invalid, spawn_app};

#[tokio::test]
async fn a_nul_in_any_text_field_is_a_422_and_nothing_is_written() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let me = format!("/api/users/{}", ann.id);
    let nul = "a\0b@example.com";
    let json_cases: [(Method, &str, Value, &str); 5] = [
        (
            Method::POST,
            "/api/users",
            json!({"username": "x\0y", "email": "x@example.com", "password": PASSWORD}),
            "username",
        ),
        (
            Method::POST,
            "/api/users",
            json!({"username": "xy", "email": nul, "password": PASSWORD}),
            "email",
        ),
        (Method::PATCH, &me, json!({"username": "x\0y"}), "username"),
        (Method::PATCH, &me, json!({"email": nul}), "email"),
        (
            Method::POST,
            "/api/users/forgot-password",
            json!({"email": nul}),
            "email",
        ),
    ];
    for (method, path, body, field) in json_cases {
        let response = app
            .client
            .request(method, app.url(path))
            .bearer_auth(&ann.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {field}"
        );
        let detail: Value = response.json().await.unwrap();
        assert_eq!(detail["detail"][0]["loc"], json!(["body", field]), "{path}");
    }

    let answer = app.login(nul, PASSWORD).await;
    assert_invalid(
        answer,
        &["body", "username"],
        "String should not contain NUL characters",
    )
    .await;
    assert_eq!(
        app.count("select count(*) from users").await,
        1,
        "nothing was written"
    );
    assert_eq!(app.me_json(&ann).await["username"], "ann");
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_a_4xx_on_every_text_endpoint() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let mut invalid_json = br#"{"email": "a"#.to_vec();
    invalid_json.extend_from_slice(&[0xff, 0xfe]);
    invalid_json.extend_from_slice(br#"@example.com", "username": "u", "password": "longenough"}"#);
    for (method, path) in [
        (Method::POST, "/api/users".to_owned()),
        (Method::PATCH, format!("/api/users/{}", ann.id)),
        (Method::POST, "/api/users/forgot-password".to_owned()),
        (Method::POST, "/api/users/reset-password".to_owned()),
        (Method::PATCH, "/api/users/me/password".to_owned()),
    ] {
        let response = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(&ann.token)
            .header("content-type", "application/json")
            .body(invalid_json.clone())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
    }
    let login = app
        .client
        .post(app.url("/api/users/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"username=a%FF%FE%40example.com&password=longenough".to_vec())
        .send()
        .await
        .unwrap();
    assert!(
        login.status().is_client_error(),
        "login: {}",
        login.status()
    );
    assert_eq!(app.count("select count(*) from users").await, 1);
}

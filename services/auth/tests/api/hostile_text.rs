//! A NUL character (which Postgres text cannot hold) or bytes that are not UTF-8, in any
//! text field of any auth endpoint: a 4xx naming the problem, never a 500, nothing written.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, assert_client_error, assert_invalid, assert_invalid_at, send_bytes,
    spawn_app_with_users,
};

/// The content type of a JSON body.
const JSON: &str = "application/json";

#[tokio::test]
async fn a_nul_in_any_text_field_is_a_422_and_nothing_is_written() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
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
        let response = app.send_json(method, path, Some(&ann.token), body).await;
        assert_invalid_at(response, &["body", field], &format!("{path} {field}")).await;
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
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
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
        let request = (method, path.as_str());
        let body = invalid_json.clone();
        let response = send_bytes(&app, request, Some(&ann.token), JSON, body).await;
        assert_client_error(&response, &path);
    }
    let form = b"username=a%FF%FE%40example.com&password=longenough".to_vec();
    let login = (Method::POST, "/api/users/token");
    let login = send_bytes(&app, login, None, "application/x-www-form-urlencoded", form).await;
    assert_client_error(&login, "login");
    assert_eq!(app.count("select count(*) from users").await, 1);
}

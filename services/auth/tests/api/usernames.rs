//! Usernames are stored in NFC and carry no hidden or line-breaking characters.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_detail, assert_invalid, spawn_app, spawn_app_with_users};

const FORBIDDEN: &str = "Username must not contain control, format or line-break characters";

#[tokio::test]
async fn a_username_with_a_line_break_or_hidden_character_is_422_and_nothing_is_written() {
    let app = spawn_app().await;
    for name in [
        "ann\nSubject: win",
        "ann\u{200b}",
        "evil\u{202e}gpj.exe",
        "a\u{2028}b",
    ] {
        let answer = app.register(name, "ann@example.com", PASSWORD).await;
        assert_invalid(answer, &["body", "username"], FORBIDDEN).await;
    }
    assert_eq!(app.count("select count(*) from users").await, 0);
}

#[tokio::test]
async fn two_spellings_of_the_same_name_are_one_username() {
    let app = spawn_app().await;

    let created = app
        .register("Zoe\u{0308}", "zoe@example.com", PASSWORD)
        .await;

    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["username"], "Zoë", "stored composed");
    let answer = app.register("ZOË", "other@example.com", PASSWORD).await;
    assert_detail(answer, StatusCode::BAD_REQUEST, "Username already exists").await;
}

#[tokio::test]
async fn a_rename_follows_the_same_rules() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let hidden = app.update(&ann, json!({"username": "ann\u{feff}"})).await;
    assert_invalid(hidden, &["body", "username"], FORBIDDEN).await;

    let renamed = app.update(&ann, json!({"username": "Jose\u{0301}"})).await;
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["username"], "José");
}

#[tokio::test]
async fn a_name_adopted_in_decomposed_form_cannot_be_registered_again_composed() {
    let app = spawn_app().await;
    // As the FastAPI blog may have stored it: e + combining diaeresis.
    app.pg()
        .await
        .execute(
            "insert into users (username, email, password_hash) values ($1, 'old@example.com', 'x')",
            &[&"Zoe\u{0308}"],
        )
        .await
        .unwrap();

    let answer = app.register("Zoë", "new@example.com", PASSWORD).await;
    assert_detail(answer, StatusCode::BAD_REQUEST, "Username already exists").await;
}

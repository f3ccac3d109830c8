use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_detail, assert_invalid, spawn_app};

#[tokio::test]
async fn anyone_can_read_a_public_profile_without_the_email() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = app.get(&format!("/api/users/{}", ann.id), None).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"id": ann.id, "username": "ann", "image_file": null, "image_path": "/static/profile_pics/default.jpg"})
    );
}

#[tokio::test]
async fn an_unknown_user_is_404_and_a_non_numeric_id_is_422() {
    let app = spawn_app().await;

    assert_detail(
        app.get("/api/users/999999", None).await,
        StatusCode::NOT_FOUND,
        "User not found",
    )
    .await;
    assert_invalid(
        app.get("/api/users/abc", None).await,
        &["path", "id"],
        "Input should be a valid integer, unable to parse string as an integer",
    )
    .await;
}

#[tokio::test]
async fn me_without_a_token_is_401_not_authenticated() {
    let app = spawn_app().await;

    let response = app.get("/api/users/me", None).await;

    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_detail(response, StatusCode::UNAUTHORIZED, "Not authenticated").await;
}

#[tokio::test]
async fn me_shows_the_picture_path_from_media_public_url() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    app.pg()
        .await
        .execute("update users set image_file = 'ab12.jpg'", &[])
        .await
        .unwrap();

    let me: Value = app
        .get("/api/users/me", Some(&ann.token))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(me["image_file"], "ab12.jpg");
    assert_eq!(me["image_path"], "/media/profile_pics/ab12.jpg");
}

#[tokio::test]
async fn a_user_can_change_only_the_username_and_the_email_is_kept() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{}", ann.id),
            Some(&ann.token),
            json!({"username": "Annie"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "Annie");
    assert_eq!(body["email"], "ann@example.com");
}

#[tokio::test]
async fn an_updated_email_is_lowercased_and_login_follows_it() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{}", ann.id),
            Some(&ann.token),
            json!({"email": "New@Example.com", "current_password": crate::helpers::PASSWORD}),
        )
        .await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "new@example.com");
    assert_eq!(
        app.login("new@example.com", crate::helpers::PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn updating_to_a_taken_name_or_email_in_another_case_is_400_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    app.user("bob").await;
    let path = format!("/api/users/{}", ann.id);

    let name = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&ann.token),
            json!({"username": "BOB"}),
        )
        .await;
    assert_detail(name, StatusCode::BAD_REQUEST, "Username already exists").await;
    let email = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&ann.token),
            json!({"email": "Bob@Example.com"}),
        )
        .await;
    // The FastAPI blog's words for this clash; registration says "Email already exists".
    assert_detail(email, StatusCode::BAD_REQUEST, "Email already registered").await;

    let me: Value = app
        .get("/api/users/me", Some(&ann.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["username"].as_str(), me["email"].as_str()),
        (Some("ann"), Some("ann@example.com"))
    );
}

#[tokio::test]
async fn updating_someone_else_is_403_and_an_unknown_user_is_404() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;

    let other = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{}", bob.id),
            Some(&ann.token),
            json!({"username": "hacked"}),
        )
        .await;
    assert_detail(
        other,
        StatusCode::FORBIDDEN,
        "Not authorized to update this user",
    )
    .await;
    let missing = app
        .send_json(
            Method::PATCH,
            "/api/users/999999",
            Some(&ann.token),
            json!({"username": "x"}),
        )
        .await;
    assert_detail(missing, StatusCode::NOT_FOUND, "User not found").await;
    let bob_now: Value = app
        .get(&format!("/api/users/{}", bob.id), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bob_now["username"], "bob");
}

#[tokio::test]
async fn updating_with_invalid_fields_is_422_and_without_a_token_401() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let path = format!("/api/users/{}", ann.id);

    let empty = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&ann.token),
            json!({"username": ""}),
        )
        .await;
    assert_invalid(
        empty,
        &["body", "username"],
        "String should have at least 1 character",
    )
    .await;
    let bad_email = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&ann.token),
            json!({"email": "nope"}),
        )
        .await;
    assert_invalid(
        bad_email,
        &["body", "email"],
        "value is not a valid email address: An email address must have an @-sign.",
    )
    .await;
    let anonymous = app
        .send_json(Method::PATCH, &path, None, json!({"username": "x"}))
        .await;
    assert_detail(anonymous, StatusCode::UNAUTHORIZED, "Not authenticated").await;
}

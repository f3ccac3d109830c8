use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    NOT_AN_EMAIL, PASSWORD, assert_bad_path_id, assert_detail, assert_invalid, spawn_app,
    spawn_app_with_users,
};

#[tokio::test]
async fn anyone_can_read_a_public_profile_without_the_email() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.profile(ann.id).await;

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

    let answer = app.profile(999999).await;
    assert_detail(answer, StatusCode::NOT_FOUND, "User not found").await;
    assert_bad_path_id(app.get("/api/users/abc", None).await).await;
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
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.pg()
        .await
        .execute("update users set image_file = 'ab12.jpg'", &[])
        .await
        .unwrap();

    let me = app.me_json(&ann).await;

    assert_eq!(me["image_file"], "ab12.jpg");
    assert_eq!(me["image_path"], "/media/profile_pics/ab12.jpg");
}

#[tokio::test]
async fn a_user_can_change_only_the_username_and_the_email_is_kept() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.update(&ann, json!({"username": "Annie"})).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "Annie");
    assert_eq!(body["email"], "ann@example.com");
}

#[tokio::test]
async fn an_updated_email_is_lowercased_and_login_follows_it() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.change_email(&ann, "New@Example.com", PASSWORD).await;

    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "new@example.com");
    let login = app.login("new@example.com", PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn updating_to_a_taken_name_or_email_in_another_case_is_400_and_changes_nothing() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.user("bob").await;

    let name = app.update(&ann, json!({"username": "BOB"})).await;
    assert_detail(name, StatusCode::BAD_REQUEST, "Username already exists").await;
    let email = app.update(&ann, json!({"email": "Bob@Example.com"})).await;
    // The FastAPI blog's words for this clash; registration says "Email already exists".
    assert_detail(email, StatusCode::BAD_REQUEST, "Email already registered").await;

    let me = app.me_json(&ann).await;
    assert_eq!(
        (me["username"].as_str(), me["email"].as_str()),
        (Some("ann"), Some("ann@example.com"))
    );
}

#[tokio::test]
async fn updating_someone_else_is_403_and_an_unknown_user_is_404() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let rename = json!({"username": "hacked"});

    let other = app
        .patch_user(bob.id, Some(&ann.token), rename.clone())
        .await;
    assert_detail(
        other,
        StatusCode::FORBIDDEN,
        "Not authorized to update this user",
    )
    .await;
    let missing = app.patch_user(999999, Some(&ann.token), rename).await;
    assert_detail(missing, StatusCode::NOT_FOUND, "User not found").await;
    let bob_now: Value = app.profile(bob.id).await.json().await.unwrap();
    assert_eq!(bob_now["username"], "bob");
}

#[tokio::test]
async fn updating_with_invalid_fields_is_422_and_without_a_token_401() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let answer = app.update(&ann, json!({"username": ""})).await;
    assert_invalid(
        answer,
        &["body", "username"],
        "String should have at least 1 character",
    )
    .await;
    let answer = app.update(&ann, json!({"email": "nope"})).await;
    assert_invalid(answer, &["body", "email"], NOT_AN_EMAIL).await;
    let anonymous = app.patch_user(ann.id, None, json!({"username": "x"})).await;
    assert_detail(anonymous, StatusCode::UNAUTHORIZED, "Not authenticated").await;
}

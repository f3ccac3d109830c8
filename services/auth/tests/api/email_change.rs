//! `PATCH /api/users/{id}` with a new email: the current password is required, the old
//! address is told, and links mailed to it stop working.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    NOT_AN_EMAIL, PASSWORD, TestApp, TestUser, assert_detail, assert_fields, assert_invalid,
    assert_limited, assert_wrong_current_password, spawn_app_with, spawn_app_with_users,
};

async fn email_of(app: &TestApp, user: &TestUser) -> String {
    app.me_json(user).await["email"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_email_change_without_the_current_password_is_400_and_changes_nothing() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    for body in [
        json!({"email": "new@example.com"}),
        json!({"email": "new@example.com", "current_password": null}),
        json!({"email": "new@example.com", "current_password": ""}),
    ] {
        let answer = app.update(&ann, body).await;
        assert_detail(
            answer,
            StatusCode::BAD_REQUEST,
            "Current password is required to change email",
        )
        .await;
    }

    assert_eq!(email_of(&app, &ann).await, "ann@example.com");
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
}

#[tokio::test]
async fn an_email_change_with_a_wrong_password_is_400_and_changes_nothing() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app
        .change_email(&ann, "new@example.com", "not it at all")
        .await;

    assert_wrong_current_password(response).await;
    assert_eq!(email_of(&app, &ann).await, "ann@example.com");
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
}

#[tokio::test]
async fn wrong_passwords_on_email_changes_count_with_the_password_change_failures() {
    let app = spawn_app_with(&[("PASSWORD_CHANGE_RATE_LIMIT_PER_MINUTE", "2")]).await;
    let ann = app.user("ann").await;
    let wrong = json!({"email": "new@example.com", "current_password": "not it at all"});
    // One wrong guess here, one on the password endpoint: the limit of two is full.
    assert_eq!(
        app.update(&ann, wrong.clone()).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.change_password(&ann.token, "not it either", "a new password")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    let right = app.change_email(&ann, "new@example.com", PASSWORD).await;

    assert_limited(right, 60).await;
    assert_eq!(email_of(&app, &ann).await, "ann@example.com");
    let rename = app.update(&ann, json!({"username": "annie"})).await;
    assert_eq!(
        rename.status(),
        StatusCode::OK,
        "a rename needs no password"
    );
}

#[tokio::test]
async fn the_checks_of_an_email_change_come_before_its_password() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;

    let others = app
        .patch_user(
            bob.id,
            Some(&ann.token),
            json!({"email": "new@example.com"}),
        )
        .await;
    assert_detail(
        others,
        StatusCode::FORBIDDEN,
        "Not authorized to update this user",
    )
    .await;
    let answer = app.update(&ann, json!({"email": "nope"})).await;
    assert_invalid(answer, &["body", "email"], NOT_AN_EMAIL).await;
    let answer = app.update(&ann, json!({"email": "BOB@example.com"})).await;
    assert_detail(answer, StatusCode::BAD_REQUEST, "Email already registered").await;
    assert_detail(
        app.update(
            &ann,
            json!({"username": "bob", "email": "new@example.com", "current_password": "wrong one"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "Username already exists",
    )
    .await;
    assert_eq!(email_of(&app, &ann).await, "ann@example.com");
}

#[tokio::test]
async fn a_username_change_or_the_same_email_needs_no_password_and_sends_no_mail() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let rename = app.update(&ann, json!({"username": "Annie"})).await;
    assert_eq!(rename.status(), StatusCode::OK);
    let same = app
        .update(&ann, json!({"username": "Ann", "email": "ANN@example.com"}))
        .await;

    let kept = [("username", "Ann"), ("email", "ann@example.com")];
    assert_fields(same, StatusCode::OK, &kept).await;
    assert_eq!(app.count("select count(*) from mail_outbox").await, 0);
}

#[tokio::test]
async fn an_email_change_tells_the_old_address_and_voids_its_reset_links() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.forgot_from("203.0.113.1", &ann.email).await;
    let old_token = app.mailed_token().await;

    let response = app.change_email(&ann, "New@Example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "new@example.com");
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        0
    );
    let jobs = app.mail_jobs().await;
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1]["kind"], "email_changed");
    assert_eq!(jobs[1]["to"], "ann@example.com");
    assert_eq!(jobs[1]["username"], "ann");
    assert_eq!(jobs[1]["link"], "");
    let answer = app.reset_password(&old_token, "taken over").await;
    assert_detail(
        answer,
        StatusCode::BAD_REQUEST,
        "Invalid or expired reset token",
    )
    .await;
    assert_eq!(
        app.login("new@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_email_change_whose_notice_cannot_be_queued_changes_nothing() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.forgot_from("203.0.113.1", &ann.email).await;
    app.mail_jobs().await;
    // The notice's insert fails: the update and the voiding must not commit without it.
    app.pg()
        .await
        .execute("alter table mail_outbox rename to mail_outbox_gone", &[])
        .await
        .unwrap();

    let response = app.change_email(&ann, "new@example.com", PASSWORD).await;

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(email_of(&app, &ann).await, "ann@example.com");
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        1
    );
}

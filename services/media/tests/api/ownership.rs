use image::ImageFormat;
use reqwest::multipart;
use serde_json::json;

use crate::helpers::{
    detail, encode, file_part, picture, spawn_app, spawn_app_with, spawn_app_with_users,
};

/// What anyone but the owner is told, whether the user exists or not.
fn not_authorized() -> (u16, serde_json::Value) {
    (403, json!({"detail": "Not authorized to update this user"}))
}

#[tokio::test]
async fn only_the_owner_may_change_a_picture() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let form = || {
        multipart::Form::new().part(
            "file",
            file_part(encode(&picture(50, 50), ImageFormat::Png)),
        )
    };

    let others = app.upload_as(bob.id, Some(&ann.token), form()).await;
    assert_eq!(detail(others).await, not_authorized());
    let anonymous = app.upload_as(ann.id, None, form()).await;
    assert_eq!(
        detail(anonymous).await,
        (401, json!({"detail": "Not authenticated"}))
    );
    let unknown = app.upload_as(999_999, Some(&ann.token), form()).await;
    assert_eq!(
        detail(unknown).await,
        not_authorized(),
        "existence is not revealed"
    );
    let delete = app.delete_picture_as(bob.id, &ann.token).await;
    assert_eq!(detail(delete).await, not_authorized());
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn with_the_store_down_the_upload_is_503_and_the_old_picture_stays() {
    let app = spawn_app().await;
    let (ann, before) = app.user_with_picture("ann").await;
    let (key, db_url) = (app.private_key(), app.database_url());
    let broken = spawn_app_with(&[
        ("DATABASE_URL", &db_url),
        ("JWT_PRIVATE_KEY", &key),
        ("MEDIA_STORE_URL", "s3://pictures"),
        ("S3_ENDPOINT_URL", "http://127.0.0.1:1"),
        ("S3_ACCESS_KEY_ID", "x"),
        ("S3_SECRET_ACCESS_KEY", "x"),
        ("S3_REGION", "us-east-1"),
    ])
    .await;

    let response = broken
        .upload_picture(&ann, (80, 80), ImageFormat::Png)
        .await;

    assert_eq!(
        detail(response).await,
        (503, json!({"detail": "Storage temporarily unavailable"}))
    );
    assert_eq!(app.image_file(&ann).await, Some(before.clone()));
    assert_eq!(app.stored_files(), [before]);
}

#[tokio::test]
async fn when_the_row_update_fails_the_new_object_is_removed_again() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    app.pg()
        .await
        .batch_execute(
            "create function refuse_pictures() returns trigger language plpgsql as \
               $$ begin raise exception 'picture updates refused'; end $$; \
             create trigger refuse_pictures before update of image_file on users \
               for each row execute function refuse_pictures();",
        )
        .await
        .unwrap();

    let response = app.upload_picture(&ann, (80, 80), ImageFormat::Png).await;

    assert_eq!(
        detail(response).await,
        (500, json!({"detail": "Internal server error"}))
    );
    assert!(app.stored_files().is_empty(), "no orphan object");
    assert_eq!(app.image_file(&ann).await, None);
}

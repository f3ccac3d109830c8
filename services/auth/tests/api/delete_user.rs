use reqwest::StatusCode;

use crate::helpers::{assert_detail, assert_token_refused, spawn_app_with_users};

#[tokio::test]
async fn deleting_yourself_removes_posts_reset_tokens_and_the_picture_object() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let pg = app.pg().await;
    for user in [ann.id, bob.id] {
        pg.execute(
            "insert into posts (title, content, user_id) values ('t', 'c', $1)",
            &[&user],
        )
        .await
        .unwrap();
    }
    app.insert_reset_token(ann.id, "ann's link", "now() + interval '1 hour'")
        .await;
    pg.execute(
        "update users set image_file = 'feedface.jpg' where id = $1",
        &[&ann.id],
    )
    .await
    .unwrap();
    let media_dir = app
        .settings
        .store
        .media_store_url
        .as_ref()
        .unwrap()
        .trim_start_matches("file://")
        .to_owned();
    let picture = std::path::Path::new(&media_dir).join("profile_pics/feedface.jpg");
    std::fs::create_dir_all(picture.parent().unwrap()).unwrap();
    std::fs::write(&picture, b"jpeg bytes").unwrap();

    let response = app.delete_user(ann.id, &ann.token).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.count(&format!("select count(*) from users where id = {}", ann.id))
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from posts where user_id = {}",
            ann.id
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from password_reset_tokens")
            .await,
        0
    );
    assert!(
        !picture.exists(),
        "the picture object is deleted with the account"
    );
    assert_eq!(
        app.count("select count(*) from posts").await,
        1,
        "other users keep their posts"
    );
}

#[tokio::test]
async fn the_token_of_a_deleted_user_is_401() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    app.delete_user(ann.id, &ann.token).await;

    assert_token_refused(app.me(&ann.token).await).await;
}

#[tokio::test]
async fn deleting_someone_else_is_403_and_an_unknown_user_404() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;

    let answer = app.delete_user(bob.id, &ann.token).await;
    assert_detail(
        answer,
        StatusCode::FORBIDDEN,
        "Not authorized to delete this user",
    )
    .await;
    let answer = app.delete_user(999999, &ann.token).await;
    assert_detail(answer, StatusCode::NOT_FOUND, "User not found").await;
    assert_eq!(app.count("select count(*) from users").await, 2);
}

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    assert_detail, assert_fields, assert_invalid, assert_token_refused, assert_unknown_and_bad_ids,
    post_path, spawn_app, spawn_app_with_users,
};

#[tokio::test]
async fn creating_a_post_returns_201_with_the_post_and_its_author() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.try_create_post(&ann, "Hello", "World").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let post: Value = response.json().await.unwrap();
    assert_eq!(post["title"], "Hello");
    assert_eq!(post["content"], "World");
    assert_eq!(post["user_id"], ann.id);
    assert_eq!(
        post["author"],
        json!({"id": ann.id, "username": "ann", "image_file": null, "image_path": "/static/profile_pics/default.jpg"})
    );
    let posted =
        chrono::DateTime::parse_from_rfc3339(post["date_posted"].as_str().unwrap()).unwrap();
    assert_eq!(posted.offset().local_minus_utc(), 0, "UTC");
    assert_eq!(app.read_post(&post["id"]).await, post);
}

#[tokio::test]
async fn creating_without_or_with_a_bad_token_is_401_and_writes_nothing() {
    let app = spawn_app().await;
    let body = json!({"title": "t", "content": "c"});

    let anonymous = app
        .send(Method::POST, "/api/posts", None, Some(body.clone()))
        .await;
    for (response, detail) in [
        (anonymous, "Not authenticated"),
        (
            app.create_post_as("nonsense", body).await,
            "Could not validate credentials",
        ),
    ] {
        assert_detail(response, StatusCode::UNAUTHORIZED, detail).await;
    }
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn the_token_of_a_deleted_user_or_an_old_token_version_is_401() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let body = json!({"title": "t", "content": "c"});
    let pg = app.pg().await;
    pg.execute(
        "update users set token_version = 1 where id = $1",
        &[&ann.id],
    )
    .await
    .unwrap();
    pg.execute("delete from users where id = $1", &[&bob.id])
        .await
        .unwrap();

    for token in [&ann.token, &bob.token] {
        let response = app.create_post_as(token, body.clone()).await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_token_refused(response).await;
    }
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn an_unknown_post_is_404_and_a_non_numeric_id_422() {
    let app = spawn_app().await;

    let paths = ("/api/posts/424242", "/api/posts/first");
    assert_unknown_and_bad_ids(&app, paths, "Post not found").await;
}

#[tokio::test]
async fn the_owner_replaces_a_post_with_put() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "draft", "rough").await;

    let response = app
        .replace_post(
            &post["id"],
            &ann.token,
            json!({"title": "final", "content": "polished"}),
        )
        .await;

    let replaced = [("title", "final"), ("content", "polished")];
    let body = assert_fields(response, StatusCode::OK, &replaced).await;
    assert_eq!(
        (body["id"].clone(), body["date_posted"].clone()),
        (post["id"].clone(), post["date_posted"].clone())
    );
}

#[tokio::test]
async fn put_needs_both_fields() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "draft", "rough").await;

    let response = app
        .replace_post(&post["id"], &ann.token, json!({"title": "only"}))
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.read_post(&post["id"]).await["title"], "draft");
}

#[tokio::test]
async fn patch_changes_only_the_given_fields() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "draft", "rough").await;
    let edit = |body| app.edit_post(&post["id"], &ann.token, body);

    let titled: Value = edit(json!({"title": "better"})).await.json().await.unwrap();
    assert_eq!(
        (titled["title"].as_str(), titled["content"].as_str()),
        (Some("better"), Some("rough"))
    );
    let written: Value = edit(json!({"content": "polished"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (written["title"].as_str(), written["content"].as_str()),
        (Some("better"), Some("polished"))
    );
    assert_eq!(edit(json!({})).await.status(), StatusCode::OK);
    assert_invalid(
        edit(json!({"title": ""})).await,
        &["body", "title"],
        "String should have at least 1 character",
    )
    .await;
}

#[tokio::test]
async fn someone_elses_post_is_403_and_a_missing_one_404_first() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let post = app.create_post(&ann, "mine", "hands off").await;
    let id = &post["id"];
    let edit = json!({"title": "hacked", "content": "hacked"});
    let (forbidden, missing) = (StatusCode::FORBIDDEN, StatusCode::NOT_FOUND);
    let not_yours = "Not authorized to update this post";

    for (response, status, detail) in [
        (
            app.replace_post(id, &bob.token, edit.clone()).await,
            forbidden,
            not_yours,
        ),
        (
            app.edit_post(id, &bob.token, edit.clone()).await,
            forbidden,
            not_yours,
        ),
        (
            app.delete_post(id, &bob.token).await,
            forbidden,
            "Not authorized to delete this post",
        ),
        (
            app.replace_post(999999, &bob.token, edit.clone()).await,
            missing,
            "Post not found",
        ),
        (
            app.edit_post(999999, &bob.token, edit.clone()).await,
            missing,
            "Post not found",
        ),
        (
            app.delete_post(999999, &bob.token).await,
            missing,
            "Post not found",
        ),
    ] {
        assert_detail(response, status, detail).await;
    }
    assert_eq!(app.read_post(id).await["title"], "mine");
}

#[tokio::test]
async fn the_owner_deletes_a_post() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let post = app.create_post(&ann, "short-lived", "bye").await;
    let path = post_path(&post["id"]);

    let response = app.delete_post(&post["id"], &ann.token).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_detail(
        app.get_post(&post["id"]).await,
        StatusCode::NOT_FOUND,
        "Post not found",
    )
    .await;
    assert_eq!(app.feed("/api/posts").await["total"], 0);
    assert_detail(
        app.send(Method::DELETE, &path, None, None).await,
        StatusCode::UNAUTHORIZED,
        "Not authenticated",
    )
    .await;
}

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_detail, assert_invalid, spawn_app};

#[tokio::test]
async fn creating_a_post_returns_201_with_the_post_and_its_author() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let response = app
        .send(
            Method::POST,
            "/api/posts",
            Some(&ann.token),
            Some(json!({"title": "Hello", "content": "World"})),
        )
        .await;

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
    assert_eq!(app.feed(&format!("/api/posts/{}", post["id"])).await, post);
}

#[tokio::test]
async fn creating_without_or_with_a_bad_token_is_401_and_writes_nothing() {
    let app = spawn_app().await;
    let body = json!({"title": "t", "content": "c"});

    assert_detail(
        app.send(Method::POST, "/api/posts", None, Some(body.clone()))
            .await,
        StatusCode::UNAUTHORIZED,
        "Not authenticated",
    )
    .await;
    assert_detail(
        app.send(Method::POST, "/api/posts", Some("nonsense"), Some(body))
            .await,
        StatusCode::UNAUTHORIZED,
        "Could not validate credentials",
    )
    .await;
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn the_token_of_a_deleted_user_or_an_old_token_version_is_401() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
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
        let response = app
            .send(Method::POST, "/api/posts", Some(token), Some(body.clone()))
            .await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_detail(
            response,
            StatusCode::UNAUTHORIZED,
            "Could not validate credentials",
        )
        .await;
    }
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn an_unknown_post_is_404_and_a_non_numeric_id_422() {
    let app = spawn_app().await;

    assert_detail(
        app.get("/api/posts/424242").await,
        StatusCode::NOT_FOUND,
        "Post not found",
    )
    .await;
    assert_invalid(
        app.get("/api/posts/first").await,
        &["path", "id"],
        "Input should be a valid integer, unable to parse string as an integer",
    )
    .await;
}

#[tokio::test]
async fn the_owner_replaces_a_post_with_put() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let post = app.create_post(&ann, "draft", "rough").await;

    let response = app
        .send(
            Method::PUT,
            &format!("/api/posts/{}", post["id"]),
            Some(&ann.token),
            Some(json!({"title": "final", "content": "polished"})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["title"].as_str(), body["content"].as_str()),
        (Some("final"), Some("polished"))
    );
    assert_eq!(
        (body["id"].clone(), body["date_posted"].clone()),
        (post["id"].clone(), post["date_posted"].clone())
    );
}

#[tokio::test]
async fn put_needs_both_fields() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let post = app.create_post(&ann, "draft", "rough").await;

    let response = app
        .send(
            Method::PUT,
            &format!("/api/posts/{}", post["id"]),
            Some(&ann.token),
            Some(json!({"title": "only"})),
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.feed(&format!("/api/posts/{}", post["id"])).await["title"],
        "draft"
    );
}

#[tokio::test]
async fn patch_changes_only_the_given_fields() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let post = app.create_post(&ann, "draft", "rough").await;
    let path = format!("/api/posts/{}", post["id"]);

    let titled: Value = app
        .send(
            Method::PATCH,
            &path,
            Some(&ann.token),
            Some(json!({"title": "better"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (titled["title"].as_str(), titled["content"].as_str()),
        (Some("better"), Some("rough"))
    );
    let written: Value = app
        .send(
            Method::PATCH,
            &path,
            Some(&ann.token),
            Some(json!({"content": "polished"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (written["title"].as_str(), written["content"].as_str()),
        (Some("better"), Some("polished"))
    );
    let unchanged = app
        .send(Method::PATCH, &path, Some(&ann.token), Some(json!({})))
        .await;
    assert_eq!(unchanged.status(), StatusCode::OK);
    assert_invalid(
        app.send(
            Method::PATCH,
            &path,
            Some(&ann.token),
            Some(json!({"title": ""})),
        )
        .await,
        &["body", "title"],
        "String should have at least 1 character",
    )
    .await;
}

#[tokio::test]
async fn someone_elses_post_is_403_and_a_missing_one_404_first() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let post = app.create_post(&ann, "mine", "hands off").await;
    let path = format!("/api/posts/{}", post["id"]);
    let edit = json!({"title": "hacked", "content": "hacked"});

    assert_detail(
        app.send(Method::PUT, &path, Some(&bob.token), Some(edit.clone()))
            .await,
        StatusCode::FORBIDDEN,
        "Not authorized to update this post",
    )
    .await;
    assert_detail(
        app.send(Method::PATCH, &path, Some(&bob.token), Some(edit.clone()))
            .await,
        StatusCode::FORBIDDEN,
        "Not authorized to update this post",
    )
    .await;
    assert_detail(
        app.send(Method::DELETE, &path, Some(&bob.token), None)
            .await,
        StatusCode::FORBIDDEN,
        "Not authorized to delete this post",
    )
    .await;
    for method in [Method::PUT, Method::PATCH] {
        assert_detail(
            app.send(
                method,
                "/api/posts/999999",
                Some(&bob.token),
                Some(edit.clone()),
            )
            .await,
            StatusCode::NOT_FOUND,
            "Post not found",
        )
        .await;
    }
    assert_detail(
        app.send(Method::DELETE, "/api/posts/999999", Some(&bob.token), None)
            .await,
        StatusCode::NOT_FOUND,
        "Post not found",
    )
    .await;
    assert_eq!(app.feed(&path).await["title"], "mine");
}

#[tokio::test]
async fn the_owner_deletes_a_post() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let post = app.create_post(&ann, "short-lived", "bye").await;
    let path = format!("/api/posts/{}", post["id"]);

    let response = app
        .send(Method::DELETE, &path, Some(&ann.token), None)
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_detail(
        app.get(&path).await,
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

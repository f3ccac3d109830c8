use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_detail, spawn_app, spawn_app_without_database};

#[tokio::test]
async fn with_the_database_down_reads_and_writes_are_a_clean_503() {
    let (app, ann) = spawn_app_without_database().await;

    let write = json!({"title": "t", "content": "c"});
    for (response, detail) in [
        (app.get("/health").await, "Database unavailable"),
        (
            app.get("/api/posts").await,
            "Service temporarily unavailable",
        ),
        (app.get_post(1).await, "Service temporarily unavailable"),
        (
            app.create_post_as(&ann.token, write).await,
            "Service temporarily unavailable",
        ),
    ] {
        assert_detail(response, StatusCode::SERVICE_UNAVAILABLE, detail).await;
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_api_json_is_not_cached() {
    let app = spawn_app().await;

    for path in [
        "/api/posts",
        "/api/posts/1",
        "/api/posts?limit=0",
        "/nowhere",
        "/health",
        "/docs",
    ] {
        let response = app.get(path).await;
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert_eq!(
            response.headers()["x-frame-options"],
            "SAMEORIGIN",
            "{path}"
        );
        assert_eq!(
            response.headers()["referrer-policy"],
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
    // A public read carries an ETag and is revalidated; anything else is never stored.
    assert_eq!(
        app.get("/api/posts").await.headers()["cache-control"],
        "no-cache"
    );
    assert_eq!(
        app.get("/api/posts?limit=0").await.headers()["cache-control"],
        "no-store"
    );
}

#[tokio::test]
async fn the_openapi_spec_documents_every_posts_route() {
    let app = spawn_app().await;

    let spec: serde_json::Value = app.get("/openapi.json").await.json().await.unwrap();

    for path in [
        "/api/posts",
        "/api/posts/{id}",
        "/api/users/{id}/posts",
        "/health",
        "/livez",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn the_openapi_spec_has_the_feed_beside_create_and_every_error_status() {
    let app = spawn_app().await;

    let spec: serde_json::Value = app.get("/openapi.json").await.json().await.unwrap();

    // Two API structs serve /api/posts; poem-openapi wrote the path twice, and readers
    // kept only the POST.
    let posts = &spec["paths"]["/api/posts"];
    assert!(posts["get"].is_object(), "GET /api/posts is documented");
    assert!(posts["post"].is_object(), "POST /api/posts is documented");
    let statuses = |path: &str, method: &str| -> Vec<String> {
        let mut found: Vec<String> = spec["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        found.sort();
        found
    };
    assert_eq!(statuses("/api/posts", "get"), ["200", "422", "503"]);
    assert_eq!(
        statuses("/api/posts/{id}", "patch"),
        ["200", "401", "403", "404", "413", "415", "422", "503"]
    );
    let limit = spec["paths"]["/api/posts"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["maximum"], 100);
}

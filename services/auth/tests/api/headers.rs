use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_detail, assert_header_contains, spawn_app, spawn_app_with};

fn assert_security_headers(response: &reqwest::Response, case: &str) {
    let headers = response.headers();
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN", "{case}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{case}");
    assert_eq!(
        headers["referrer-policy"], "strict-origin-when-cross-origin",
        "{case}"
    );
}

async fn every_kind_of_response(
    app: &TestApp,
    host: Option<&str>,
) -> Vec<(reqwest::Response, &'static str)> {
    let request = |method: Method, path: &str| {
        let mut builder = app.client.request(method, app.url(path));
        if let Some(host) = host {
            builder = builder.header("x-forwarded-host", host);
        }
        builder
    };
    vec![
        (
            request(Method::GET, "/health").send().await.unwrap(),
            "health",
        ),
        (
            request(Method::GET, "/livez").send().await.unwrap(),
            "livez",
        ),
        (
            request(Method::GET, "/no/such/route").send().await.unwrap(),
            "404",
        ),
        (
            request(Method::GET, "/api/users/me").send().await.unwrap(),
            "401",
        ),
        (
            request(Method::POST, "/api/users")
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
            "422",
        ),
        (
            request(Method::PUT, "/api/users/1").send().await.unwrap(),
            "405",
        ),
        (request(Method::GET, "/docs").send().await.unwrap(), "docs"),
        (
            request(Method::GET, "/openapi.json").send().await.unwrap(),
            "spec",
        ),
    ]
}

#[tokio::test]
async fn every_route_including_errors_carries_the_security_headers_but_no_hsts_on_localhost() {
    let app = spawn_app().await;

    for (response, case) in every_kind_of_response(&app, None).await {
        assert_security_headers(&response, case);
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "{case}"
        );
    }
}

#[tokio::test]
async fn behind_a_public_host_every_response_also_carries_hsts() {
    let app = spawn_app().await;

    for (response, case) in every_kind_of_response(&app, Some("blog.example.com")).await {
        assert_security_headers(&response, case);
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=63072000; includeSubDomains",
            "{case}"
        );
    }
}

#[tokio::test]
async fn api_json_is_not_cached_and_unknown_routes_answer_json() {
    let app = spawn_app().await;

    let not_found = app.get("/no/such/route", None).await;
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    assert_eq!(not_found.headers()["cache-control"], "no-store");
    assert_detail(not_found, StatusCode::NOT_FOUND, "Not Found").await;
    let method = app
        .client
        .put(app.url("/api/users/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(method.headers()["allow"], "DELETE, GET, HEAD, PATCH");
    let detail = "Method Not Allowed";
    assert_detail(method, StatusCode::METHOD_NOT_ALLOWED, detail).await;
}

#[tokio::test]
async fn docs_and_the_openapi_spec_are_served() {
    let app = spawn_app().await;

    let docs = app.get("/docs", None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
    let spec: serde_json::Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/users",
        "/api/users/token",
        "/api/users/me",
        "/api/users/{id}",
        "/api/users/me/password",
        "/api/users/forgot-password",
        "/api/users/reset-password",
        "/.well-known/jwks.json",
        "/health",
        "/livez",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let app = spawn_app_with(&[("ALLOWED_ORIGINS", "https://blog.example.com")]).await;

    let allowed = app
        .get_with_header("/health", "origin", "https://blog.example.com")
        .await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://blog.example.com"
    );
    let foreign = app
        .get_with_header("/health", "origin", "https://evil.example")
        .await;
    assert_eq!(foreign.status(), StatusCode::OK);
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    // Whatever the origin, or none, the answer varies with it: no shared cache may hand
    // the foreign (header-less) answer to the allowed origin.
    assert_eq!(allowed.headers()["vary"], "Origin");
    assert_eq!(foreign.headers()["vary"], "Origin");
    let no_origin = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(no_origin.headers()["vary"], "Origin");
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/api/users"))
        .header("origin", "https://blog.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_header_contains(&preflight, "access-control-allow-methods", "POST");
    assert_header_contains(&preflight, "access-control-allow-headers", "authorization");
}

//! A public profile is a conditional GET: an `ETag` that changes only with the profile,
//! 304 while the client holds it, `no-cache` so browsers revalidate; private and error
//! answers stay `no-store` without a tag.

use reqwest::{
    StatusCode,
    header::{CACHE_CONTROL, ETAG},
};
use serde_json::Value;

use crate::helpers::spawn_app_with_users;

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response.headers()[name].to_str().unwrap()
}

#[tokio::test]
async fn a_profile_is_304_while_unchanged_and_200_once_renamed_or_given_a_picture() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let path = format!("/api/users/{}", ann.id);
    let first = app.get(&path, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, CACHE_CONTROL), "no-cache");
    let tag = header(&first, ETAG).to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    assert_eq!(header(&app.get(&path, None).await, ETAG), tag);

    let held = app.get_with_header(&path, "if-none-match", &tag).await;
    assert_eq!(held.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&held, ETAG), tag);
    assert_eq!(header(&held, CACHE_CONTROL), "no-cache");
    assert!(held.bytes().await.unwrap().is_empty());

    let mut seen = vec![tag];
    for change in [
        "update users set username = 'annie' where id = $1",
        "update users set image_file = 'new.jpg' where id = $1",
    ] {
        app.pg().await.execute(change, &[&ann.id]).await.unwrap();
        let held = seen.join(", ");
        let response = app.get_with_header(&path, "if-none-match", &held).await;
        assert_eq!(response.status(), StatusCode::OK, "{change}");
        let tag = header(&response, ETAG).to_owned();
        assert!(!seen.contains(&tag), "{change}");
        seen.push(tag);
        let profile: Value = response.json().await.unwrap();
        assert_eq!(profile["username"], "annie", "{change}");
    }
}

#[tokio::test]
async fn private_and_missing_profiles_carry_no_etag_and_stay_no_store() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let me = app.get("/api/users/me", Some(&ann.token)).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert!(me.headers().get(ETAG).is_none());
    assert_eq!(header(&me, CACHE_CONTROL), "no-store");
    let missing = app
        .get_with_header("/api/users/999999", "if-none-match", "*")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get(ETAG).is_none());
    assert_eq!(header(&missing, CACHE_CONTROL), "no-store");
}

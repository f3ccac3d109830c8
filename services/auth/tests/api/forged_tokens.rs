use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use folio_shared::jwt::SigningKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_token_refused, claims, spawn_app, spawn_app_with_users};

async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let response = app.me(token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    assert_eq!(response.headers()["www-authenticate"], "Bearer", "{case}");
    assert_token_refused(response).await;
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

#[tokio::test]
async fn a_properly_signed_token_is_accepted_as_the_baseline() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.me(&app.sign(&claims(ann.id))).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid_of(&ann.token)});
    let token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(serde_json::to_string(&claims(ann.id)).unwrap())
    );

    assert_refused(&app, &token, "alg none").await;
}

#[tokio::test]
async fn hs256_with_a_guessed_secret_is_refused() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid_of(&ann.token));
    for secret in ["secret", "your-secret-key", ""] {
        let token = jsonwebtoken::encode(
            &header,
            &claims(ann.id),
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        assert_refused(&app, &token, secret).await;
    }
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let (app, [ann, bob]) = spawn_app_with_users(["ann", "bob"]).await;
    let parts: Vec<&str> = ann.token.split('.').collect();
    let mut forged_claims = claims(bob.id);
    forged_claims.ver = 0;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_string(&forged_claims).unwrap()),
        parts[2]
    );

    assert_refused(&app, &forged, "payload swapped").await;
}

#[tokio::test]
async fn wrong_audience_wrong_issuer_and_expired_tokens_are_refused() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mut wrong_aud = claims(ann.id);
    wrong_aud.aud = "another-api".into();
    let mut wrong_iss = claims(ann.id);
    wrong_iss.iss = "someone-else".into();
    let mut expired = claims(ann.id);
    expired.exp = chrono::Utc::now().timestamp() - 120;

    for (claims, case) in [(wrong_aud, "aud"), (wrong_iss, "iss"), (expired, "expired")] {
        assert_refused(&app, &app.sign(&claims), case).await;
    }
}

#[tokio::test]
async fn a_token_from_an_unknown_key_is_refused() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let stranger = SigningKey::from_pem(&SigningKey::generate_pem()).unwrap();

    assert_refused(&app, &stranger.sign(&claims(ann.id)), "unknown kid").await;
}

#[tokio::test]
async fn garbage_and_a_non_numeric_subject_are_refused() {
    let app = spawn_app().await;
    let mut not_a_number = claims(1);
    not_a_number.sub = "admin".into();

    assert_refused(&app, "not.a.jwt", "garbage").await;
    assert_refused(&app, &app.sign(&not_a_number), "sub not a number").await;
}

//! Auth as the end-to-end tests drive it: the real service, sealing reset links with the
//! workers' key, and the requests of a user that make it send mail.

use folio_shared::test_utils::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::JOB_KEY;

/// The password of every user registered here.
pub const PASSWORD: &str = "correct horse battery";

/// The auth service under test.
pub struct AuthApp(pub TestServer<folio_auth::config::Settings>);

impl std::ops::Deref for AuthApp {
    type Target = TestServer<folio_auth::config::Settings>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Auth with `overrides`, sealing reset links with the key the workers of these tests open
/// them with.
pub async fn spawn_auth(overrides: &[(&str, &str)]) -> AuthApp {
    let mut pairs = vec![("MAIL_JOB_KEY", JOB_KEY.as_str())];
    pairs.extend_from_slice(overrides);
    AuthApp(TestServer::spawn(&pairs, folio_auth::startup::Application::build).await)
}

/// `{name}@example.com`.
fn email(name: &str) -> String {
    format!("{name}@example.com")
}

impl AuthApp {
    /// Registers `name` as `{name}@example.com` with [`PASSWORD`], and checks the 201.
    pub async fn register(&self, name: &str) {
        let created = self
            .client
            .post(self.url("/api/users"))
            .json(&json!({"username": name, "email": email(name), "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }

    /// The answer to `name` logging in with `password`.
    pub async fn login(&self, name: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/users/token"))
            .form(&[("username", email(name).as_str()), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// `name`'s bearer token.
    pub async fn token(&self, name: &str) -> String {
        let body: Value = self.login(name, PASSWORD).await.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// `name` forgot their password: checks the 202.
    pub async fn forgot_password(&self, name: &str) {
        let response = self
            .client
            .post(self.url("/api/users/forgot-password"))
            .json(&json!({"email": email(name)}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }

    /// The status of a reset with the mailed `token`.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> StatusCode {
        self.client
            .post(self.url("/api/users/reset-password"))
            .json(&json!({"token": token, "new_password": new_password}))
            .send()
            .await
            .unwrap()
            .status()
    }

    /// The status of `name` changing their email to `new_email`.
    pub async fn change_email(&self, name: &str, new_email: &str) -> StatusCode {
        let token = self.token(name).await;
        let me: Value = self
            .client
            .get(self.url("/api/users/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        self.client
            .patch(self.url(&format!("/api/users/{}", me["id"])))
            .bearer_auth(&token)
            .json(&json!({"email": new_email, "current_password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .status()
    }
}

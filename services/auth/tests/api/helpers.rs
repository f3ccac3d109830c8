//! `spawn_app()`: the real auth application on port 0 with its own database and Redis
//! prefix, plus client methods and direct database/Redis access for assertions.

use std::collections::HashMap;

use folio_shared::{
    jwt::Claims,
    queue::{JobCipher, MailJob},
    test_utils::{TestServer, redis_url},
};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

/// The service under test.
pub struct TestApp(pub TestServer);

impl std::ops::Deref for TestApp {
    type Target = TestServer;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The service with test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The service with test settings, `overrides` on top. It gets a mail job key of its own
/// (unless `overrides` give one), not the development key file, which would be generated
/// into the crate's folder.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let key = JobCipher::generate_key();
    let mut pairs = vec![("MAIL_JOB_KEY", key.as_str())];
    pairs.extend_from_slice(overrides);
    TestApp(TestServer::spawn(&pairs, folio_auth::startup::Application::build).await)
}

/// A registered user and a token of theirs.
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub async fn register(&self, username: &str, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/users"))
            .json(&json!({"username": username, "email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/users/token"))
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Logs in as the client at `address`: the test app trusts one proxy hop
    /// (`TRUSTED_PROXY_HOPS` = 1), so the last `X-Forwarded-For` entry is the client.
    pub async fn login_from(&self, address: &str, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/users/token"))
            .header("x-forwarded-for", address)
            .form(&[("username", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Asks for a reset link for `email` as the client at `address` (see `login_from`).
    pub async fn forgot_from(&self, address: &str, email: &str) -> Response {
        self.client
            .post(self.url("/api/users/forgot-password"))
            .header("x-forwarded-for", address)
            .json(&json!({ "email": email }))
            .send()
            .await
            .unwrap()
    }

    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> Response {
        self.client
            .patch(self.url("/api/users/me/password"))
            .bearer_auth(token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
            .await
            .unwrap()
    }

    /// Registers `username` (email `<username>@example.com`) and logs in.
    pub async fn user(&self, username: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let created = self.register(username, &email, PASSWORD).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let id = created.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let token = self.token(&email, PASSWORD).await;
        TestUser { id, email, token }
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.pg().await.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Signs arbitrary claims with the app's own private key.
    pub fn sign(&self, claims: &Claims) -> String {
        folio_shared::test_utils::sign(&self.settings, claims)
    }

    /// The mail jobs on this app's stream as the mail worker reads them, oldest first: the
    /// reset link opened with the app's key (see [`TestApp::raw_mail_jobs`]).
    pub async fn mail_jobs(&self) -> Vec<HashMap<String, String>> {
        let cipher = JobCipher::from_settings(&self.settings).unwrap();
        let mut jobs = self.raw_mail_jobs().await;
        for fields in &mut jobs {
            if !fields["link"].is_empty() {
                let job = MailJob::from_fields(|k| fields.get(k).cloned()).unwrap();
                let link = job
                    .open_link(&cipher)
                    .expect("the link opens with the app's key");
                fields.insert("link".to_owned(), link);
            }
        }
        jobs
    }

    /// The fields of the entries on this app's stream as Redis holds them, oldest first,
    /// once every outbox row is queued (forgot-password queues in the background).
    pub async fn raw_mail_jobs(&self) -> Vec<HashMap<String, String>> {
        for _ in 0..100 {
            if self
                .count("select count(*) from mail_outbox where queued_at is null")
                .await
                == 0
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let client = redis::Client::open(redis_url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let stream = format!("{}:mail", self.settings.redis_key_prefix);
        let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&stream)
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .unwrap();
        entries
            .ids
            .into_iter()
            .map(|entry| {
                entry
                    .map
                    .into_iter()
                    .map(|(k, v)| (k, redis::from_redis_value::<String>(v).unwrap()))
                    .collect()
            })
            .collect()
    }
}

/// Valid claims for `user_id`, expiring in an hour.
pub fn claims(user_id: i64) -> Claims {
    folio_shared::test_utils::valid_claims(user_id)
}

/// Asserts status and `{"detail": detail}`.
pub async fn assert_detail(response: Response, status: StatusCode, detail: &str) {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "detail": detail }));
}

/// Asserts a 429 with `Retry-After` of at most `window_secs` and the detail naming it.
pub async fn assert_limited(response: Response, window_secs: u64) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=window_secs).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["detail"],
        format!("Too many requests. Try again in {retry_after} seconds.")
    );
}

/// Asserts a 422 whose first error is at `loc` with `msg`.
pub async fn assert_invalid(response: Response, loc: &[&str], msg: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let first = &body["detail"][0];
    assert_eq!(first["loc"], json!(loc), "{body}");
    assert_eq!(first["msg"], msg, "{body}");
}

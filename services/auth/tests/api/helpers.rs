//! `spawn_app()`: the real auth application on port 0 with its own database and Redis
//! prefix, plus client methods and direct database/Redis access for assertions.

use std::collections::HashMap;

use folio_auth::config::Settings;
use folio_shared::{
    jwt::Claims,
    queue::{JobCipher, MailJob},
    test_utils::{TestServer, redis_url},
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub use folio_shared::test_asserts::{
    assert_bad_path_id, assert_body, assert_client_error, assert_detail, assert_fields,
    assert_header_contains, assert_invalid, assert_invalid_at, assert_invalid_case, assert_limited,
    assert_message, assert_token_refused, retry_after, send_bytes,
};

pub const PASSWORD: &str = "correct horse battery";

/// The service under test.
pub struct TestApp(pub TestServer<Settings>);

impl std::ops::Deref for TestApp {
    type Target = TestServer<Settings>;
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

/// The service with the users `names` (see [`TestApp::user`]), registered in order.
pub async fn spawn_app_with_users<const N: usize>(names: [&str; N]) -> (TestApp, [TestUser; N]) {
    let app = spawn_app().await;
    let users = folio_shared::test_asserts::users(names, |name| app.user(name)).await;
    (app, users)
}

/// A registered user and a token of theirs.
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub async fn register(&self, username: &str, email: &str, password: &str) -> Response {
        let body = json!({"username": username, "email": email, "password": password});
        self.post_json("/api/users", body).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.login_as_client(None, email, password).await
    }

    /// Logs in as the client at `address`: the test app trusts one proxy hop
    /// (`TRUSTED_PROXY_HOPS` = 1), so the last `X-Forwarded-For` entry is the client.
    pub async fn login_from(&self, address: &str, email: &str, password: &str) -> Response {
        self.login_as_client(Some(address), email, password).await
    }

    /// The status of a login as the client at `address` (see `login_from`).
    pub async fn login_status_from(
        &self,
        address: &str,
        email: &str,
        password: &str,
    ) -> StatusCode {
        self.login_from(address, email, password).await.status()
    }

    async fn login_as_client(
        &self,
        address: Option<&str>,
        email: &str,
        password: &str,
    ) -> Response {
        let mut request = self.client.post(self.url("/api/users/token"));
        if let Some(address) = address {
            request = request.header("x-forwarded-for", address);
        }
        let form = [("username", email), ("password", password)];
        request.form(&form).send().await.unwrap()
    }

    /// Asks for a reset link for `email` as the client at `address` (see `login_from`).
    pub async fn forgot_from(&self, address: &str, email: &str) -> Response {
        self.forgot_as_client(Some(address), email).await
    }

    /// `POST /api/users/forgot-password` for `email`.
    pub async fn forgot_password(&self, email: &str) -> Response {
        self.forgot_as_client(None, email).await
    }

    async fn forgot_as_client(&self, address: Option<&str>, email: &str) -> Response {
        let mut request = self.client.post(self.url("/api/users/forgot-password"));
        if let Some(address) = address {
            request = request.header("x-forwarded-for", address);
        }
        request
            .json(&json!({ "email": email }))
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/users/reset-password` with `token`.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Response {
        let body = json!({"token": token, "new_password": new_password});
        self.post_json("/api/users/reset-password", body).await
    }

    /// Asks for a reset link for `email` and returns the token it mails.
    pub async fn reset_token_for(&self, email: &str) -> String {
        let asked = self.forgot_password(email).await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED);
        self.mailed_token().await
    }

    /// `PATCH` of `user`'s own email, confirmed with `current_password`.
    pub async fn change_email(&self, user: &TestUser, email: &str, current: &str) -> Response {
        let body = json!({"email": email, "current_password": current});
        self.update(user, body).await
    }

    /// The token in the link of the newest reset mail on the stream.
    pub async fn mailed_token(&self) -> String {
        let jobs = self.mail_jobs().await;
        let link = &jobs.last().expect("a mail job was queued")["link"];
        link.split("token=").nth(1).unwrap().to_owned()
    }

    /// Stores a reset token for `user_id` directly, expiring at the SQL time `expires`.
    pub async fn insert_reset_token(&self, user_id: i64, token: &str, expires: &str) {
        let sql = format!(
            "insert into password_reset_tokens (user_id, token_hash, expires_at) \
             values ($1, $2, {expires})"
        );
        let hash = folio_auth::reset_tokens::token_hash(token);
        self.pg()
            .await
            .execute(&sql, &[&user_id, &hash])
            .await
            .unwrap();
    }

    /// `PATCH /api/users/me/password` with `token`.
    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> Response {
        let body = json!({"current_password": current, "new_password": new});
        self.send_json(Method::PATCH, "/api/users/me/password", Some(token), body)
            .await
    }

    /// `PATCH /api/users/{id}` with `token` (none: anonymous).
    pub async fn patch_user(&self, id: i64, token: Option<&str>, body: Value) -> Response {
        self.send_json(Method::PATCH, &format!("/api/users/{id}"), token, body)
            .await
    }

    /// `PATCH` of `user`'s own account.
    pub async fn update(&self, user: &TestUser, body: Value) -> Response {
        self.patch_user(user.id, Some(&user.token), body).await
    }

    /// `DELETE /api/users/{id}` with `token`.
    pub async fn delete_user(&self, id: i64, token: &str) -> Response {
        self.delete(&format!("/api/users/{id}"), token).await
    }

    /// `GET /api/users/{id}`, anonymously.
    pub async fn profile(&self, id: i64) -> Response {
        self.get(&format!("/api/users/{id}"), None).await
    }

    /// `GET /api/users/me` with `token`.
    pub async fn me(&self, token: &str) -> Response {
        self.get("/api/users/me", Some(token)).await
    }

    /// The body of `GET /api/users/me` for `user`.
    pub async fn me_json(&self, user: &TestUser) -> Value {
        let response = self.me(&user.token).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// The stored password hash of the only user.
    pub async fn password_hash(&self) -> String {
        self.text("select password_hash from users").await
    }

    /// The text in the first column of the one row `sql` returns.
    pub async fn text(&self, sql: &str) -> String {
        self.pg().await.query_one(sql, &[]).await.unwrap().get(0)
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

    /// `GET` of `path`, anonymously, with the header `name: value`.
    pub async fn get_with_header(&self, path: &str, name: &str, value: &str) -> Response {
        let request = self.client.get(self.url(path)).header(name, value);
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// `POST` of a JSON body, anonymously.
    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.send_json(Method::POST, path, None, body).await
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

    /// The mail jobs on this app's stream as the mail worker reads them, oldest first: the
    /// reset link opened with the app's key (see [`TestApp::raw_mail_jobs`]).
    pub async fn mail_jobs(&self) -> Vec<HashMap<String, String>> {
        let settings = &self.settings;
        let cipher =
            JobCipher::from_settings(&settings.mail_job, &settings.jwt, settings.process.app_env)
                .unwrap();
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
        let stream = format!("{}:mail", self.redis_key_prefix);
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

/// The 422 `msg` of a malformed email.
pub const NOT_AN_EMAIL: &str =
    "value is not a valid email address: An email address must have an @-sign.";

/// The 422 `msg` of a password under 8 characters.
pub const TOO_SHORT: &str = "String should have at least 8 characters";

/// Asserts the clean 503 of a database outage, with `Retry-After`.
pub async fn assert_unavailable(response: Response) {
    assert_eq!(response.headers()["retry-after"], "1");
    let detail = "Service temporarily unavailable";
    assert_detail(response, StatusCode::SERVICE_UNAVAILABLE, detail).await;
}

/// Asserts the 400 of a wrong current password (password or email change).
pub async fn assert_wrong_current_password(response: Response) {
    let detail = "Current password is incorrect";
    assert_detail(response, StatusCode::BAD_REQUEST, detail).await;
}

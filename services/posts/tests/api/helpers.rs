//! `spawn_app()`: the real posts application on port 0 with its own database, plus
//! users inserted directly and signed tokens (auth is not needed to test posts).

use std::fmt::Display;

use reqwest::{Method, Response, StatusCode, header::IF_NONE_MATCH};
use serde_json::{Value, json};

pub use folio_shared::test_asserts::{
    NOT_AN_INTEGER, TestUser, assert_bad_path_id, assert_client_error, assert_detail,
    assert_fields, assert_invalid, assert_invalid_at, assert_invalid_case, assert_limited,
    assert_token_refused, send_bytes,
};

folio_shared::test_app!(
    folio_posts::config::Settings,
    folio_posts::startup::Application::build
);

/// A way to write a post's fields through the API.
#[derive(Debug, Clone, Copy)]
pub enum Write {
    /// `POST /api/posts`.
    Create,
    /// `PUT /api/posts/{id}`.
    Replace(i64),
    /// `PATCH /api/posts/{id}`.
    Edit(i64),
}

impl TestApp {
    /// `username`, inserted directly, with a valid token.
    pub async fn user(&self, username: &str) -> TestUser {
        TestUser::insert(self, username).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A GET that reads through the read cache as a writer's does (public reads do not
    /// check the token): what the database holds right now.
    pub async fn get_fresh(&self, path: &str) -> Response {
        let request = self.client.get(self.url(path)).bearer_auth("reader");
        request.send().await.unwrap()
    }

    /// [`Self::feed`], read through the cache.
    pub async fn feed_fresh(&self, path: &str) -> Value {
        let response = self.get_fresh(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// `POST /api/posts` of `body` with `token`.
    pub async fn create_post_as(&self, token: &str, body: Value) -> Response {
        self.send(Method::POST, "/api/posts", Some(token), Some(body))
            .await
    }

    /// `user` creates a post of `title` and `content`: the answer, whatever it is.
    pub async fn try_create_post(&self, user: &TestUser, title: &str, content: &str) -> Response {
        let body = json!({"title": title, "content": content});
        self.create_post_as(&user.token, body).await
    }

    /// Creates a post through the API and returns its JSON.
    pub async fn create_post(&self, user: &TestUser, title: &str, content: &str) -> Value {
        let response = self.try_create_post(user, title, content).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Creates a post through the API and returns its id.
    pub async fn create_post_id(&self, user: &TestUser, title: &str, content: &str) -> i64 {
        id_of(&self.create_post(user, title, content).await)
    }

    /// `PUT /api/posts/{id}` of `body` with `token`.
    pub async fn replace_post(&self, id: impl Display, token: &str, body: Value) -> Response {
        self.send(Method::PUT, &post_path(id), Some(token), Some(body))
            .await
    }

    /// `PATCH /api/posts/{id}` of `body` with `token`.
    pub async fn edit_post(&self, id: impl Display, token: &str, body: Value) -> Response {
        self.send(Method::PATCH, &post_path(id), Some(token), Some(body))
            .await
    }

    /// `write` of `body` with `token`.
    pub async fn write(&self, write: Write, token: &str, body: Value) -> Response {
        match write {
            Write::Create => self.create_post_as(token, body).await,
            Write::Replace(id) => self.replace_post(id, token, body).await,
            Write::Edit(id) => self.edit_post(id, token, body).await,
        }
    }

    /// `DELETE /api/posts/{id}` with `token`.
    pub async fn delete_post(&self, id: impl Display, token: &str) -> Response {
        self.send(Method::DELETE, &post_path(id), Some(token), None)
            .await
    }

    /// `GET /api/posts/{id}`, anonymous (so possibly from the read cache).
    pub async fn get_post(&self, id: impl Display) -> Response {
        self.get(&post_path(id)).await
    }

    /// A post as JSON, asserting 200.
    pub async fn read_post(&self, id: impl Display) -> Value {
        self.feed(&post_path(id)).await
    }

    /// The first page of user `id`'s posts as JSON, asserting 200.
    pub async fn user_feed(&self, id: i64) -> Value {
        self.feed(&user_feed_path(id)).await
    }

    /// A feed page as JSON, asserting 200.
    pub async fn feed(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    /// A GET of `path` revalidating `etag` (`If-None-Match`).
    pub async fn get_if_none_match(&self, path: &str, etag: &str) -> Response {
        let request = self.client.get(self.url(path)).header(IF_NONE_MATCH, etag);
        request.send().await.unwrap()
    }

    /// Dates post `id` back to `at` (RFC 3339), directly in the database: a later edit
    /// then cannot fall in the second it was posted.
    pub async fn backdate_post(&self, id: i64, at: &str) {
        self.pg()
            .await
            .execute(
                "update posts set date_posted = $2::text::timestamptz where id = $1",
                &[&id, &at],
            )
            .await
            .unwrap();
    }

    pub async fn count_posts(&self) -> i64 {
        self.pg()
            .await
            .query_one("select count(*) from posts", &[])
            .await
            .unwrap()
            .get(0)
    }

    /// Inserts `n` posts for `user_id`, all with the same `date_posted`.
    pub async fn insert_posts_at_one_instant(&self, user_id: i64, n: i64) {
        self.pg()
            .await
            .execute(
                "insert into posts (title, content, user_id, date_posted) \
                 select 'post ' || g, 'content ' || g, $1, '2026-01-01T00:00:00Z' from generate_series(1, $2::int8) g",
                &[&user_id, &n],
            )
            .await
            .unwrap();
    }

    /// Inserts one post per entry of `sizes` for `user_id`, each of that many bytes of
    /// content (past the API's cap, as an adopted database may hold), a minute apart with
    /// the first the newest; returns their ids, newest first (feed order).
    pub async fn insert_posts_of_sizes(&self, user_id: i64, sizes: &[i32]) -> Vec<i64> {
        let rows = self
            .pg()
            .await
            .query(
                "insert into posts (title, content, user_id, date_posted) \
                 select 'long ' || n, repeat('a', size), $1, \
                   '2026-01-01T00:00:00Z'::timestamptz - n * interval '1 minute' \
                 from unnest($2::int4[]) with ordinality as s(size, n) \
                 returning id, date_posted",
                &[&user_id, &sizes],
            )
            .await
            .unwrap();
        let mut posts: Vec<(chrono::DateTime<chrono::Utc>, i64)> =
            rows.iter().map(|r| (r.get(1), r.get(0))).collect();
        posts.sort_by(|a, b| b.cmp(a));
        posts.into_iter().map(|(_, id)| id).collect()
    }
}

/// The service with the users `names` (see [`TestApp::user`]), inserted in order.
pub async fn spawn_app_with_users<const N: usize>(names: [&str; N]) -> (TestApp, [TestUser; N]) {
    let app = spawn_app().await;
    let users = folio_shared::test_asserts::users(names, |name| app.user(name)).await;
    (app, users)
}

/// Asserts that `unknown` (a path whose id nothing has) is a 404 of `detail`, and
/// `not_a_number` (its id not an integer) a 422.
pub async fn assert_unknown_and_bad_ids(
    app: &TestApp,
    (unknown, not_a_number): (&str, &str),
    detail: &str,
) {
    assert_detail(app.get(unknown).await, StatusCode::NOT_FOUND, detail).await;
    assert_bad_path_id(app.get(not_a_number).await).await;
}

/// The app with its database out of reach (nothing listens on its port), and a user with
/// a token it accepts (signed with its key; the user lives in another app's database).
pub async fn spawn_app_without_database() -> (TestApp, TestUser) {
    let healthy = spawn_app().await;
    let ann = healthy.user("ann").await;
    let key = healthy.private_key();
    let app = spawn_app_with(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
        ("JWT_PRIVATE_KEY", &key),
    ])
    .await;
    (app, ann)
}

/// `/api/posts/{id}`.
pub fn post_path(id: impl Display) -> String {
    format!("/api/posts/{id}")
}

/// `/api/users/{id}/posts`.
pub fn user_feed_path(id: i64) -> String {
    format!("/api/users/{id}/posts")
}

/// The id of a post as the API returned it.
pub fn id_of(post: &Value) -> i64 {
    post["id"].as_i64().unwrap()
}

/// Ids of a feed page, in order.
pub fn ids(page: &Value) -> Vec<i64> {
    page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

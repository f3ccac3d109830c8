//! `spawn_app()`: the real posts application on port 0 with its own database, plus
//! users inserted directly and signed tokens (auth is not needed to test posts).

use folio_shared::test_utils::{insert_user, sign, valid_claims};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

folio_shared::test_app!(folio_posts::startup::Application::build);

/// A user and a valid token of theirs.
pub struct TestUser {
    pub id: i64,
    pub token: String,
}

impl TestApp {
    pub async fn user(&self, username: &str) -> TestUser {
        let id = insert_user(&self.db, username).await;
        TestUser {
            id,
            token: sign(&self.settings, &valid_claims(id)),
        }
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

    /// Creates a post through the API and returns its JSON.
    pub async fn create_post(&self, user: &TestUser, title: &str, content: &str) -> Value {
        let response = self
            .send(
                Method::POST,
                "/api/posts",
                Some(&user.token),
                Some(json!({"title": title, "content": content})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// A feed page as JSON, asserting 200.
    pub async fn feed(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
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

/// Ids of a feed page, in order.
pub fn ids(page: &Value) -> Vec<i64> {
    page["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

pub async fn assert_detail(response: Response, status: StatusCode, detail: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "detail": detail })
    );
}

pub async fn assert_invalid(response: Response, loc: &[&str], msg: &str) {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"][0]["loc"], json!(loc), "{body}");
    assert_eq!(body["detail"][0]["msg"], msg, "{body}");
}

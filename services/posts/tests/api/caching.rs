//! The read cache's promises: the writer sees a change at once and everyone else within a
//! second (polled for, never timed), per-request headers on cached answers, and errors
//! never kept. (ETags and 304s: `conditional_gets.rs`.)

use std::time::Duration;

use reqwest::{
    Response, StatusCode,
    header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, ETAG, HeaderMap, IF_NONE_MATCH, ORIGIN},
};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestUser, ids, post_path, spawn_app, spawn_app_with, spawn_app_with_users,
    user_feed_path,
};

/// Longer than the cache's one second, with room for a slow machine: a change that has
/// not shown by then never will.
pub(crate) const PATIENCE: Duration = Duration::from_secs(3);

impl TestApp {
    /// An anonymous GET with extra headers.
    pub(crate) async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// A GET carrying `user`'s token: a writer's read.
    pub(crate) async fn get_as(&self, user: &TestUser, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .unwrap()
    }

    /// Polls an anonymous GET of `path` until `done` holds for its status and JSON body
    /// (or [`PATIENCE`] runs out), returning the last ones seen.
    async fn eventually(
        &self,
        path: &str,
        done: impl Fn(StatusCode, &Value) -> bool,
    ) -> (StatusCode, Value) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let response = self.get(path).await;
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            if done(status, &body) || tokio::time::Instant::now() > deadline {
                return (status, body);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Reads each of `paths` anonymously (a 200 each), so the cache holds them.
    pub(crate) async fn fill_cache(&self, paths: &[String]) {
        for path in paths {
            assert_eq!(self.get(path).await.status(), StatusCode::OK, "{path}");
        }
    }

    pub(crate) async fn sql(&self, statement: &str, id: i64) {
        let changed = self.pg().await.execute(statement, &[&id]).await.unwrap();
        assert_eq!(changed, 1, "{statement}");
    }
}

pub(crate) fn etag(headers: &HeaderMap) -> String {
    headers
        .get(ETAG)
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn cache_control(headers: &HeaderMap) -> &str {
    headers.get(CACHE_CONTROL).unwrap().to_str().unwrap()
}

/// One post by "ann" and the paths of every public read that shows it.
pub(crate) async fn one_post(app: &TestApp) -> (TestUser, i64, [String; 4]) {
    let ann = app.user("ann").await;
    let id = app.create_post_id(&ann, "First", "Hello").await;
    let paths = [
        post_path(id),
        "/api/posts".to_owned(),
        format!("/api/users/{}/posts?limit=5", ann.id),
        "/api/posts?limit=1&skip=0".to_owned(),
    ];
    (ann, id, paths)
}

/// The app with [`one_post`], every read of it cached: the app, ann, the post's id and
/// the paths.
async fn spawn_with_cached_post() -> (TestApp, TestUser, i64, [String; 4]) {
    let app = spawn_app().await;
    let (ann, id, paths) = one_post(&app).await;
    app.fill_cache(&paths).await;
    (app, ann, id, paths)
}

#[tokio::test]
async fn the_author_sees_a_change_made_elsewhere_at_once() {
    let (app, ann, id, paths) = spawn_with_cached_post().await;
    // As another instance of posts would: this one's cache is not told.
    app.sql("update posts set title = 'Edited' where id = $1", id)
        .await;
    let post: Value = app.get_as(&ann, &paths[0]).await.json().await.unwrap();
    assert_eq!(post["title"], "Edited");
    for path in &paths[1..] {
        let page: Value = app.get_as(&ann, path).await.json().await.unwrap();
        assert_eq!(page["posts"][0]["title"], "Edited", "{path}");
    }
    // Any token reads through: checking it would cost the database read the cache saves.
    app.sql("update posts set title = 'Again' where id = $1", id)
        .await;
    let post: Value = app.get_fresh(&paths[0]).await.json().await.unwrap();
    assert_eq!(post["title"], "Again");
    assert_eq!(
        app.feed_fresh(&paths[1]).await["posts"][0]["title"],
        "Again"
    );
}

#[tokio::test]
async fn a_write_through_this_instance_is_seen_by_everyone_at_once() {
    let (app, ann, id, paths) = spawn_with_cached_post().await;
    let edited = app
        .edit_post(id, &ann.token, json!({"title": "Edited"}))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(app.feed(&paths[0]).await["title"], "Edited");
    assert_eq!(app.feed(&paths[1]).await["posts"][0]["title"], "Edited");
    let deleted = app.delete_post(id, &ann.token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&paths[0]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.feed(&paths[1]).await["total"], 0);
}

#[tokio::test]
async fn anyone_sees_an_edit_made_elsewhere_within_a_second() {
    let (app, _, id, paths) = spawn_with_cached_post().await;
    app.sql("update posts set content = 'Edited' where id = $1", id)
        .await;
    let (_, post) = app
        .eventually(&paths[0], |_, post| post["content"] == "Edited")
        .await;
    assert_eq!(post["content"], "Edited");
    for path in &paths[1..] {
        let (_, page) = app
            .eventually(path, |_, page| page["posts"][0]["content"] == "Edited")
            .await;
        assert_eq!(page["posts"][0]["content"], "Edited", "{path}");
    }
}

#[tokio::test]
async fn anyone_sees_a_delete_made_elsewhere_within_a_second() {
    let (app, _, id, paths) = spawn_with_cached_post().await;
    app.sql("delete from posts where id = $1", id).await;
    let (status, body) = app
        .eventually(&paths[0], |status, _| status == StatusCode::NOT_FOUND)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Post not found"}));
    for path in &paths[1..] {
        let (_, page) = app.eventually(path, |_, page| page["total"] == 0).await;
        assert_eq!(page["posts"], json!([]), "{path}");
    }
}

#[tokio::test]
async fn anyone_sees_a_new_post_made_elsewhere_within_a_second() {
    let app = spawn_app().await;
    let (ann, _, paths) = one_post(&app).await;
    for path in &paths[1..] {
        assert_eq!(app.feed(path).await["total"], 1, "{path}");
    }
    app.sql(
        "insert into posts (title, content, user_id) values ('Newer', 'x', $1)",
        ann.id,
    )
    .await;
    for path in &paths[1..] {
        let (_, page) = app
            .eventually(path, |_, page| page["posts"][0]["title"] == "Newer")
            .await;
        assert_eq!(page["posts"][0]["title"], "Newer", "{path}");
        assert_eq!(page["total"], 2, "{path}");
    }
}

#[tokio::test]
async fn anyone_sees_a_rename_and_a_new_picture_within_a_second() {
    let (app, ann, _, paths) = spawn_with_cached_post().await;
    let author = |path: &str, body: &Value| -> Value {
        if path.contains("/api/posts/") {
            body["author"].clone()
        } else {
            body["posts"][0]["author"].clone()
        }
    };
    // As auth and media would.
    app.sql("update users set username = 'annie' where id = $1", ann.id)
        .await;
    for path in &paths {
        let (_, body) = app
            .eventually(path, |_, body| author(path, body)["username"] == "annie")
            .await;
        assert_eq!(author(path, &body)["username"], "annie", "{path}");
    }
    app.sql(
        "update users set image_file = 'new.jpg' where id = $1",
        ann.id,
    )
    .await;
    for path in &paths {
        let (_, body) = app
            .eventually(path, |_, body| {
                author(path, body)["image_file"] == "new.jpg"
            })
            .await;
        let author = author(path, &body);
        assert_eq!(author["image_file"], "new.jpg", "{path}");
        assert!(
            author["image_path"]
                .as_str()
                .unwrap()
                .ends_with("/profile_pics/new.jpg"),
            "{path}: {author}"
        );
    }
}

#[tokio::test]
async fn a_cached_answer_gets_the_cors_headers_of_its_own_request() {
    let origin = "https://blog.example.com";
    let app = spawn_app_with(&[("ALLOWED_ORIGINS", origin)]).await;
    let (_, _, paths) = one_post(&app).await;
    for path in &paths {
        // Filled by a request without Origin, then served to one with it, and back.
        let plain = app.get(path).await;
        assert!(plain.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        let tag = etag(plain.headers());
        let cross = app.get_with(path, &[(ORIGIN.as_str(), origin)]).await;
        assert_eq!(cross.status(), StatusCode::OK, "{path}");
        assert_eq!(etag(cross.headers()), tag, "{path}");
        assert_eq!(
            cross.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            origin,
            "{path}"
        );
        assert_eq!(cross.headers()["vary"], "Origin", "{path}");
        let held = app
            .get_with(
                path,
                &[(ORIGIN.as_str(), origin), (IF_NONE_MATCH.as_str(), &tag)],
            )
            .await;
        assert_eq!(held.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(
            held.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            origin,
            "{path}"
        );
        let again = app.get(path).await;
        assert!(again.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    }
}

#[tokio::test]
async fn a_missing_post_is_not_remembered() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let response = app.get("/api/posts/1").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Written elsewhere (or by another instance) right after the 404.
    let id: i64 = app
        .pg()
        .await
        .query_one(
            "insert into posts (title, content, user_id) values ('Here', 'x', $1) returning id",
            &[&ann.id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(id, 1);
    let response = app.get("/api/posts/1").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["title"], "Here");
}

#[tokio::test]
async fn a_page_too_long_to_keep_is_read_fresh_every_time() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let ids = app.insert_posts_of_sizes(ann.id, &[600_000]).await;
    let before = app.feed("/api/posts").await;
    assert_eq!(
        before["posts"][0]["content"].as_str().unwrap().len(),
        600_000
    );
    app.sql("update posts set title = 'Changed' where id = $1", ids[0])
        .await;
    let after = app.feed("/api/posts").await;
    assert_eq!(after["posts"][0]["title"], "Changed");
}

#[tokio::test]
async fn each_form_of_a_read_is_answered_from_an_entry_of_its_own() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mut posts = Vec::new();
    for title in ["One", "Two", "Three"] {
        posts.push(app.create_post_id(&ann, title, "x").await);
    }
    let [one, two, three] = posts[..] else {
        unreachable!()
    };
    let user_feed = user_feed_path(ann.id);
    let pages = [
        ("/api/posts?limit=1".to_owned(), vec![three]),
        ("/api/posts?skip=1&limit=1".to_owned(), vec![two]),
        ("/api/posts?limit=1&skip=2".to_owned(), vec![one]),
        ("/api/posts?limit=2".to_owned(), vec![three, two]),
        ("/api/posts?skip=2".to_owned(), vec![one]),
        (format!("{user_feed}?skip=1"), vec![two, one]),
        (format!("{user_feed}?limit=1"), vec![three]),
    ];
    // The first round fills the cache, the second is answered from it.
    for round in ["read", "kept"] {
        for (path, expected) in &pages {
            assert_eq!(&ids(&app.feed(path).await), expected, "{round}: {path}");
        }
        for (id, title) in [(one, "One"), (three, "Three")] {
            let post = app.read_post(id).await;
            assert_eq!(post["title"], title, "{round}");
        }
    }
}

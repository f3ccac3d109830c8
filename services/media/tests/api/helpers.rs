//! The media app on port 0 with its own database and store, users with tokens, multipart
//! uploads, and generated images.

use std::{
    io::Cursor,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub use folio_shared::test_asserts::TestUser;
use folio_shared::test_asserts::free_port;
use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::{RequestBuilder, Response, multipart};

folio_shared::test_app!(
    folio_media::config::Settings,
    folio_media::startup::Application::build
);

/// The service with the users `names` (see [`TestApp::user`]), inserted in order.
pub async fn spawn_app_with_users<const N: usize>(names: [&str; N]) -> (TestApp, [TestUser; N]) {
    let app = spawn_app().await;
    let users = folio_shared::test_asserts::users(names, |name| app.user(name)).await;
    (app, users)
}

impl TestApp {
    /// `name`, inserted directly, with a valid token.
    pub async fn user(&self, name: &str) -> TestUser {
        TestUser::insert(self, name).await
    }

    /// `name`, with a picture uploaded: the user and the picture's file name.
    pub async fn user_with_picture(&self, name: &str) -> (TestUser, String) {
        let user = self.user(name).await;
        let uploaded = self.upload_picture(&user, (80, 80), ImageFormat::Png).await;
        assert_eq!(uploaded.status().as_u16(), 200, "the first picture");
        let file = self.image_file(&user).await.expect("a picture");
        (user, file)
    }

    /// The folder of the `file://` store.
    pub fn store_dir(&self) -> PathBuf {
        PathBuf::from(
            self.settings
                .store
                .media_store_url
                .as_ref()
                .unwrap()
                .trim_start_matches("file://"),
        )
    }

    /// File names in the store's `profile_pics/`.
    pub fn stored_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.store_dir().join("profile_pics"))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The bytes of the stored picture `file`.
    pub fn stored_picture(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.store_dir().join("profile_pics").join(file)).unwrap()
    }

    /// `user` uploads `bytes` as their picture.
    pub async fn upload(&self, user: &TestUser, bytes: Vec<u8>) -> Response {
        self.upload_form(user, multipart::Form::new().part("file", file_part(bytes)))
            .await
    }

    /// `user` uploads a [`picture`] of `width` x `height` in `format`.
    pub async fn upload_picture(
        &self,
        user: &TestUser,
        (width, height): (u32, u32),
        format: ImageFormat,
    ) -> Response {
        self.upload(user, encode(&picture(width, height), format))
            .await
    }

    /// `user` sends `form` as their picture.
    pub async fn upload_form(&self, user: &TestUser, form: multipart::Form) -> Response {
        self.upload_as(user.id, Some(&user.token), form).await
    }

    /// `PATCH /api/users/{id}/picture` with `form`, as the holder of `token` if any.
    pub async fn upload_as(&self, id: i64, token: Option<&str>, form: multipart::Form) -> Response {
        let request = self
            .client
            .patch(self.url(&format!("/api/users/{id}/picture")))
            .multipart(form);
        with_token(request, token).send().await.unwrap()
    }

    /// `user` removes their picture.
    pub async fn delete_picture(&self, user: &TestUser) -> Response {
        self.delete_picture_as(user.id, &user.token).await
    }

    /// `DELETE /api/users/{id}/picture` as the holder of `token`.
    pub async fn delete_picture_as(&self, id: i64, token: &str) -> Response {
        let request = self
            .client
            .delete(self.url(&format!("/api/users/{id}/picture")));
        with_token(request, Some(token)).send().await.unwrap()
    }

    /// `GET` of `path`, as anyone.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn image_file(&self, user: &TestUser) -> Option<String> {
        self.pg()
            .await
            .query_one("select image_file from users where id = $1", &[&user.id])
            .await
            .unwrap()
            .get(0)
    }
}

fn with_token(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// A file part whose name and type claim nothing useful: only the bytes count.
pub fn file_part(bytes: Vec<u8>) -> multipart::Part {
    multipart::Part::bytes(bytes)
        .file_name("upload.bin")
        .mime_str("application/octet-stream")
        .unwrap()
}

/// A `width` x `height` picture: left half red, right half blue.
pub fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    }))
}

/// `image` in `format` (GIF through RGBA, as its encoder wants).
pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let image = if format == ImageFormat::Gif {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        image.clone()
    };
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The status and JSON body of `response`.
pub async fn detail(response: Response) -> (u16, serde_json::Value) {
    (response.status().as_u16(), response.json().await.unwrap())
}

/// moto's S3 server on a port of its own, with one bucket.
pub struct S3Server {
    pub port: u16,
    process: Child,
}

impl S3Server {
    pub async fn start(bucket: &str) -> Self {
        let port = free_port();
        let process = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (make test installs moto[server])");
        let server = Self { port, process };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.put(server.url(&format!("/{bucket}"))).send().await {
                assert!(response.status().is_success(), "bucket created");
                break;
            }
            assert!(Instant::now() < deadline, "moto started");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Settings pointing the media service at `bucket` on this server, with the FastAPI
    /// blog's `S3_*` variables only.
    pub fn settings(&self, bucket: &str) -> Vec<(&'static str, String)> {
        vec![
            ("MEDIA_STORE_URL", String::new()),
            ("S3_BUCKET_NAME", bucket.to_owned()),
            ("S3_ENDPOINT_URL", self.url("")),
            ("S3_ACCESS_KEY_ID", "test".to_owned()),
            ("S3_SECRET_ACCESS_KEY", "test".to_owned()),
            ("S3_REGION", "us-east-1".to_owned()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

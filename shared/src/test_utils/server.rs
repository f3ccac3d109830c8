//! A service under test: its variables, its settings and the server running it.

use std::collections::HashMap;

use secrecy::ExposeSecret;
use url::Url;
use uuid::Uuid;

use super::{RedisPrefix, TestDb, redis_url};
use crate::{
    config::ServiceSettings,
    db::connect_one,
    jwt::{Claims, SigningKey},
};

/// Development variables for a service under test: its own database, a Redis key prefix
/// of its own (so parallel tests never share rate limits or streams), port 0, a fresh
/// signing key and a file store in a temporary folder. `overrides` win.
///
/// With `FOLIO_TEST_POOLER_URL` set (e.g. `postgres://postgres@127.0.0.1:6432`, a
/// PgBouncer in transaction mode), the service reaches its database through that pooler
/// with prepared statements off, as behind a pooler without protocol-level support for
/// them; set-up and assertions still connect directly.
pub fn test_vars(db: &TestDb, overrides: &[(&str, &str)]) -> HashMap<String, String> {
    let media_dir =
        std::env::temp_dir().join(format!("folio-test-media-{}", Uuid::new_v4().simple()));
    let mut vars: HashMap<String, String> = HashMap::from([
        ("APP_ENV".into(), "development".into()),
        ("PORT".into(), "0".into()),
        ("DATABASE_URL".into(), db.url().expose_secret().to_owned()),
        ("DATABASE_POOL_SIZE".into(), "4".into()),
        ("REDIS_URL".into(), redis_url()),
        (
            "REDIS_KEY_PREFIX".into(),
            format!("test-{}", Uuid::new_v4().simple()),
        ),
        ("JWT_PRIVATE_KEY".into(), SigningKey::generate_pem()),
        // A key of its own, so no test writes a development key file into a crate folder.
        (
            "MAIL_JOB_KEY".into(),
            crate::queue::JobCipher::generate_key(),
        ),
        (
            "MEDIA_STORE_URL".into(),
            format!("file://{}", media_dir.display()),
        ),
        ("FRONTEND_URL".into(), "http://localhost:8000".into()),
    ]);
    if let Ok(pooler) = std::env::var("FOLIO_TEST_POOLER_URL") {
        let mut url = Url::parse(&pooler).expect("FOLIO_TEST_POOLER_URL is a URL");
        url.set_path(db.name());
        vars.insert("DATABASE_URL".into(), url.to_string());
        vars.insert("DATABASE_PREPARED_STATEMENTS".into(), "false".into());
    }
    for (key, value) in overrides {
        vars.insert((*key).to_owned(), (*value).to_owned());
    }
    vars
}

/// A service's settings read from [`test_vars`].
pub fn test_settings<S: ServiceSettings>(db: &TestDb, overrides: &[(&str, &str)]) -> S {
    S::from_vars(&test_vars(db, overrides)).expect("test settings are valid")
}

/// A service running for one test: its own database, settings and port, stopped when
/// dropped. Service test helpers wrap it and add their client methods.
pub struct TestServer<S> {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// A client that follows no redirects.
    pub client: reqwest::Client,
    /// The settings the service was built with.
    pub settings: S,
    /// The variables they were read from.
    pub vars: HashMap<String, String>,
    /// `REDIS_KEY_PREFIX`: the namespace of the service's keys and streams.
    pub redis_key_prefix: String,
    /// The service's database.
    pub db: TestDb,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    /// Dropped last: the service is told to stop before its keys go.
    _redis_prefix: Option<RedisPrefix>,
}

impl<S> TestServer<S> {
    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The service's signing key, for a second instance that must accept its tokens.
    pub fn private_key(&self) -> String {
        self.vars["JWT_PRIVATE_KEY"].clone()
    }

    /// A token for `claims`, signed with the key the service verifies (as auth would),
    /// whichever settings type the service has.
    pub fn sign(&self, claims: &Claims) -> String {
        SigningKey::from_pem(&self.private_key())
            .expect("the test variables carry a valid private key")
            .sign(claims)
    }
}

impl<S: ServiceSettings + Clone> TestServer<S> {
    /// Builds a service with [`test_settings`] (plus `overrides`) and serves it on port 0.
    pub async fn spawn<F, Fut>(overrides: &[(&str, &str)], build: F) -> Self
    where
        F: FnOnce(S) -> Fut,
        Fut: Future<Output = anyhow::Result<crate::server::App>>,
    {
        let db = TestDb::create().await;
        let vars = test_vars(&db, overrides);
        let settings = S::from_vars(&vars).expect("test settings are valid");
        let redis_key_prefix = vars["REDIS_KEY_PREFIX"].clone();
        // A prefix handed in (a second worker on the first one's stream) belongs to whoever
        // made it: deleting it here would pull the keys from under the other holder.
        let prefix_handed_in = overrides.iter().any(|(key, _)| *key == "REDIS_KEY_PREFIX");
        let redis_prefix = (!prefix_handed_in)
            .then(|| RedisPrefix::adopt(redis_key_prefix.clone(), vars["REDIS_URL"].clone()));
        let app = build(settings.clone()).await.expect("the app builds");
        let base = format!("http://127.0.0.1:{}", app.addr().port());
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Self {
            base,
            client: http_client(),
            settings,
            vars,
            redis_key_prefix,
            db,
            _shutdown: shutdown,
            _redis_prefix: redis_prefix,
        }
    }

    /// The URL of the service's database, for a second instance sharing it.
    pub fn database_url(&self) -> String {
        self.db.url().expose_secret().to_owned()
    }

    /// A direct connection to the service's database, for arranging and asserting.
    pub async fn pg(&self) -> tokio_postgres::Client {
        connect_one(self.db.url())
            .await
            .expect("connect to the test database")
    }
}

/// A plain HTTP client for tests (no redirects followed, so statuses are seen as sent).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build the test HTTP client")
}

/// Declares a service's `TestApp` (a [`TestServer`] the test helpers add methods to) and
/// `spawn_app()` / `spawn_app_with(overrides)` building it from `$settings` with `$build`.
#[macro_export]
macro_rules! test_app {
    ($settings:ty, $build:path) => {
        /// The service under test.
        pub struct TestApp(pub $crate::test_utils::TestServer<$settings>);

        impl std::ops::Deref for TestApp {
            type Target = $crate::test_utils::TestServer<$settings>;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        /// The service with test settings.
        pub async fn spawn_app() -> TestApp {
            spawn_app_with(&[]).await
        }

        /// The service with test settings, `overrides` on top.
        pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
            TestApp($crate::test_utils::TestServer::spawn(overrides, $build).await)
        }
    };
}

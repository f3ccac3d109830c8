//! Integration-test helpers (feature `test-utils`): a fresh, migrated database and a Redis
//! key prefix per test, both deleted afterwards, and settings pointing a service at them.
//!
//! Tests use the machine's Postgres and Redis: `DATABASE_URL` and `REDIS_URL`, defaulting
//! to `postgres://postgres@127.0.0.1:5432/postgres` and `redis://127.0.0.1:6379`.

use std::{collections::HashMap, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use url::Url;
use uuid::Uuid;

use crate::{
    config::{JwtSettings, ServiceSettings},
    db::connect_one,
    jwt::{AUDIENCE, Claims, ISSUER, SigningKey},
};

/// The server tests create their databases on.
pub fn admin_database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The Redis tests use.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Process-wide set-up every test needs: the TLS provider and tracing (without log
/// output), so trace context flows as in a running service.
fn init_once() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        crate::install_crypto_provider();
        // Kept for the whole test process; spans are never exported in tests.
        std::mem::forget(crate::telemetry::init_without_logs("folio-test"));
    });
}

/// A database that exists for one test.
pub struct TestDb {
    name: String,
    url: SecretString,
}

impl TestDb {
    /// Creates `folio_test_<random>` and applies the real migrations.
    pub async fn create() -> Self {
        init_once();
        let name = format!("folio_test_{}", Uuid::new_v4().simple());
        let admin = connect_one(&admin_database_url().into())
            .await
            .expect("Postgres must be running for the integration tests (see make test)");
        admin
            .batch_execute(&format!("create database {name}"))
            .await
            .expect("create the test database");
        let mut url = Url::parse(&admin_database_url()).expect("DATABASE_URL is a URL");
        url.set_path(&name);
        let url: SecretString = url.to_string().into();
        match std::env::var_os("FOLIO_TEST_MIGRATE_BIN") {
            // Another tree's `migrate` gives this code that tree's schema
            // (scripts/check-migration-compat.sh: a newer schema under older code).
            Some(bin) => {
                let status = std::process::Command::new(&bin)
                    .env("DATABASE_DIRECT_URL", url.expose_secret())
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("FOLIO_TEST_MIGRATE_BIN runs");
                assert!(status.success(), "{bin:?} failed: {status}");
            }
            None => {
                folio_migrate::run(&url)
                    .await
                    .expect("migrations apply to a fresh database");
            }
        }
        Self { name, url }
    }

    /// The database's URL.
    pub fn url(&self) -> &SecretString {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself: a thread of
        // its own with a small runtime does the work.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(admin) = connect_one(&admin_database_url().into()).await {
                        let _ = admin
                            .batch_execute(&format!("drop database if exists {name} with (force)"))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// A Redis key prefix that exists for one test, `test-<random>`: every key under it is
/// deleted when it is dropped, also when the test panics, so no run leaves keys in the
/// Redis that everyone shares.
pub struct RedisPrefix {
    name: String,
    url: String,
}

impl RedisPrefix {
    /// A fresh prefix on the tests' Redis ([`redis_url`]).
    #[allow(clippy::new_without_default)] // each value is a new prefix, not a default
    pub fn new() -> Self {
        Self {
            name: format!("test-{}", Uuid::new_v4().simple()),
            url: redis_url(),
        }
    }

    /// The prefix, for `REDIS_KEY_PREFIX` or to build keys with.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        // Nothing to report to: a Redis that is down (a test may point at one) holds
        // nothing of this test's anyway.
        let _ = delete_keys(&self.url, &self.name);
    }
}

/// Deletes every key starting with `prefix`. Synchronous, on a connection of its own: it
/// runs in `Drop`, which cannot await and may run while a test's runtime unwinds. The
/// timeouts keep a Redis that does not answer from hanging the test.
fn delete_keys(url: &str, prefix: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let keys = redis::Commands::scan_match(&mut conn, format!("{prefix}*"))?
        .collect::<redis::RedisResult<Vec<String>>>()?;
    for batch in keys.chunks(500) {
        redis::cmd("UNLINK").arg(batch).exec(&mut conn)?;
    }
    Ok(())
}

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

    /// A token for `claims`, signed with the key the service verifies (as auth would),
    /// whichever settings type the service has.
    pub fn sign(&self, claims: &Claims) -> String {
        let jwt = JwtSettings::from_env(&crate::config::Env(&self.vars))
            .expect("the test variables carry valid JWT settings");
        sign(&jwt, claims)
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
        let redis_prefix = (!prefix_handed_in).then(|| RedisPrefix {
            name: redis_key_prefix.clone(),
            url: vars["REDIS_URL"].clone(),
        });
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

    /// The service's signing key, for a second instance that must accept its tokens.
    pub fn private_key(&self) -> String {
        self.vars["JWT_PRIVATE_KEY"].clone()
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

/// Inserts a user directly (for services that do not register users themselves) and
/// returns its id. Email: `<username>@example.com`.
pub async fn insert_user(db: &TestDb, username: &str) -> i64 {
    let client = connect_one(db.url())
        .await
        .expect("connect to the test database");
    client
        .query_one(
            "insert into users (username, email, password_hash) values ($1, $2, 'not a hash') returning id",
            &[&username, &format!("{}@example.com", username.to_lowercase())],
        )
        .await
        .expect("insert a test user")
        .get(0)
}

/// Claims for `user_id` at token version 0, valid for an hour.
pub fn valid_claims(user_id: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user_id.to_string(),
        exp: now + 3600,
        iat: now,
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        ver: 0,
    }
}

/// Signs `claims` with the private key of `settings` (as auth would).
pub fn sign(settings: &JwtSettings, claims: &Claims) -> String {
    let pem = settings
        .private_key
        .as_ref()
        .expect("test settings carry a private key")
        .expose_secret();
    SigningKey::from_pem(pem)
        .expect("a valid test key")
        .sign(claims)
}

/// Decodes the quoted-printable parts of a mail as a mail client would (soft line breaks
/// and `=XX` escapes), so tests can look for whole lines and links.
pub fn decode_quoted_printable(mail: &str) -> String {
    let joined = mail.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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

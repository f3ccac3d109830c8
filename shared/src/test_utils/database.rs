//! A database per test, created and migrated, dropped afterwards.

use secrecy::{ExposeSecret, SecretString};
use url::Url;
use uuid::Uuid;

use super::{admin_database_url, init_once};
use crate::db::connect_one;

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

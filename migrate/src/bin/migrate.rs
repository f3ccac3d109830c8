//! `migrate`: applies pending migrations with `DATABASE_DIRECT_URL` (else `DATABASE_URL`),
//! adopting a FastAPI blog database first when it finds one. Used by `make dev`, the
//! tests' set-up, the compose `migrate` service and the Cloud Run migrate Job.
//!
//! A database that refuses connections (still starting: a fresh compose volume, a Neon
//! compute waking up) is waited for, up to [`CONNECT_PATIENCE`]; any other error ends
//! the run at once.

use std::{future::Future, io, process::ExitCode, time::Duration};

use folio_migrate::{self as migrate, Adoption, UsernameReport, connect::migration_url};
use tokio_postgres::error::SqlState;

/// Postgres's entrypoint initialises a fresh volume on a server that listens on no TCP
/// port, then restarts: half a minute covers that and a cold serverless compute.
const CONNECT_PATIENCE: Duration = Duration::from_secs(30);
const FIRST_WAIT: Duration = Duration::from_millis(250);
const LONGEST_WAIT: Duration = Duration::from_secs(4);

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // Err only means a provider is already installed. Without one chosen, rustls panics
    // on the first TLS connection (several crates enable it).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let url = match migration_url() {
        Ok(url) => url,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let waited = |wait: Duration, err: &anyhow::Error| {
        eprintln!(
            "migrate: the database is not accepting connections yet ({}); retrying in {} ms",
            reason(err),
            wait.as_millis()
        );
    };
    let outcome = match while_unreachable(|| migrate::apply(&url), CONNECT_PATIENCE, waited).await {
        Ok(outcome) => outcome,
        Err(err) => {
            // One line whatever the cause (a server error may carry DETAIL lines).
            let line = format!("{err:#}").replace('\n', " ");
            eprintln!("migrate: failed: {line}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(adopted) = &outcome.adopted {
        report_adoption(adopted);
    }
    if outcome.applied.is_empty() {
        println!("migrate: schema is up to date");
    } else {
        println!("migrate: applied {}", outcome.applied.join(", "));
    }
    report_usernames(&outcome.usernames);
    ExitCode::SUCCESS
}

/// Runs `attempt` until it succeeds, fails for another reason than an unreachable
/// database, or `patience` would be exceeded by the next wait (then the last error stands).
/// Waits double from [`FIRST_WAIT`] to [`LONGEST_WAIT`]; `waited` hears of each one.
async fn while_unreachable<T, Fut>(
    mut attempt: impl FnMut() -> Fut,
    patience: Duration,
    mut waited: impl FnMut(Duration, &anyhow::Error),
) -> anyhow::Result<T>
where
    Fut: Future<Output = anyhow::Result<T>>,
{
    let started = tokio::time::Instant::now();
    let mut wait = FIRST_WAIT;
    loop {
        match attempt().await {
            Err(err) if is_unreachable(&err) && started.elapsed() + wait <= patience => {
                waited(wait, &err);
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            outcome => return outcome,
        }
    }
}

/// Nobody listening (yet), the connection cut or timed out, or a server still starting
/// up. Not a refused password, a missing database or a failed migration: waiting would
/// not change those.
fn is_unreachable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return matches!(
                io.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::NotConnected
                    | io::ErrorKind::TimedOut
            );
        }
        cause
            .downcast_ref::<tokio_postgres::Error>()
            .and_then(tokio_postgres::Error::code)
            .is_some_and(|code| *code == SqlState::CANNOT_CONNECT_NOW)
    })
}

/// The innermost cause, one line: "Connection refused (os error 111)".
fn reason(err: &anyhow::Error) -> String {
    err.root_cause().to_string().replace('\n', " ")
}

/// Not errors: such rows keep working, and only their owners can choose new names.
fn report_usernames(usernames: &UsernameReport) {
    if usernames.breaking_rules > 0 {
        println!(
            "migrate: warning: {} usernames hold hidden, control or line-break characters or \
             are not in Unicode NFC; they keep working, new names may not",
            usernames.breaking_rules
        );
    }
    if usernames.colliding > 0 {
        println!(
            "migrate: warning: {} usernames are the same name as another once normalised \
             (NFC, lower case); they keep working, no new one can join them",
            usernames.colliding
        );
    }
}

fn report_adoption(adopted: &Adoption) {
    println!(
        "migrate: adopted the FastAPI blog database: {} users, {} posts, {} reset tokens",
        adopted.users, adopted.posts, adopted.reset_tokens
    );
    if adopted.unverifiable_hashes > 0 {
        // Not an error: the rows are kept, and a password reset gives them a new hash.
        println!(
            "migrate: warning: {} users have a password hash that is not Argon2; they sign in \
             after a password reset",
            adopted.unverifiable_hashes
        );
    }
}

#[cfg(test)]
mod tests {
    use std::{cell::Cell, time::Duration};

    use folio_migrate::connect::connect;
    use secrecy::SecretString;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    fn admin_url() -> url::Url {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        url::Url::parse(&url).unwrap()
    }

    fn database_url(port: u16, name: &str) -> SecretString {
        let mut url = admin_url();
        url.set_port(Some(port)).unwrap();
        url.set_path(name);
        url.to_string().into()
    }

    /// A port nothing listens on until `delay` has passed; then everything sent to it
    /// goes to the real Postgres, as when a fresh server starts listening on TCP.
    async fn postgres_appearing_after(delay: Duration) -> u16 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let admin = admin_url();
        let upstream = format!(
            "{}:{}",
            admin.host_str().unwrap(),
            admin.port().unwrap_or(5432)
        );
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let mut server = TcpStream::connect(upstream).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn a_database_that_starts_listening_late_is_waited_for_and_migrated() {
        let name = format!("folio_migrate_wait_{}", uuid::Uuid::new_v4().simple());
        let admin_port = admin_url().port().unwrap_or(5432);
        let admin = connect(&database_url(admin_port, admin_url().path()))
            .await
            .unwrap();
        admin
            .batch_execute(&format!("create database {name}"))
            .await
            .unwrap();
        let port = postgres_appearing_after(Duration::from_secs(1)).await;
        let url = database_url(port, &name);
        let waits = Cell::new(0);

        let outcome = while_unreachable(
            || migrate::apply(&url),
            CONNECT_PATIENCE,
            |_, err| {
                assert!(is_unreachable(err));
                waits.set(waits.get() + 1);
            },
        )
        .await;

        admin
            .batch_execute(&format!("drop database {name} with (force)"))
            .await
            .unwrap();
        let applied = outcome.expect("migrated once the server listens").applied;
        assert_eq!(
            applied.first().map(String::as_str),
            Some("V1__create_users")
        );
        assert!(waits.get() >= 1, "the first attempt found nobody listening");
    }

    #[tokio::test]
    async fn a_database_that_does_not_exist_is_not_waited_for() {
        let url = database_url(admin_url().port().unwrap_or(5432), "folio_no_such_database");
        let attempts = Cell::new(0);

        let err = while_unreachable(
            || {
                attempts.set(attempts.get() + 1);
                migrate::apply(&url)
            },
            CONNECT_PATIENCE,
            |_, err| panic!("waited on {err:#}"),
        )
        .await
        .unwrap_err();

        assert_eq!(attempts.get(), 1);
        assert_eq!(
            reason(&err),
            "FATAL: database \"folio_no_such_database\" does not exist"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_database_is_given_up_on_after_the_patience() {
        let mut waits = Vec::new();

        let err = while_unreachable(
            || async {
                Err::<(), _>(anyhow::Error::from(io::Error::from(
                    io::ErrorKind::ConnectionRefused,
                )))
            },
            CONNECT_PATIENCE,
            |wait, _| waits.push(wait.as_millis()),
        )
        .await
        .unwrap_err();

        assert_eq!(
            waits,
            [250, 500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000]
        );
        assert_eq!(reason(&err), "connection refused");
    }
}

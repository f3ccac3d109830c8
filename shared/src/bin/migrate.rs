//! `migrate`: applies pending migrations with `DATABASE_DIRECT_URL` (else `DATABASE_URL`),
//! adopting a FastAPI blog database first when it finds one. Used by `make dev`, the
//! tests' set-up, the compose `migrate` service and the Cloud Run migrate Job.

use std::process::ExitCode;

use folio_shared::{
    config::{AppEnv, ConfigError, Settings, tls_unless_told},
    migrate::{self, Adoption, UsernameReport},
};
use secrecy::SecretString;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    folio_shared::install_crypto_provider();
    let url = match migration_url() {
        Ok(url) => url,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match migrate::apply(&url).await {
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

/// Only the database matters here, so the Cloud Run Job gets no other secret (no Redis,
/// no keys): `DATABASE_DIRECT_URL`, else `DATABASE_URL`. Without either, the usual
/// settings decide (the development default, or production's one-line error).
fn migration_url() -> Result<SecretString, ConfigError> {
    let app_env = if std::env::var("APP_ENV").as_deref() == Ok("production") {
        AppEnv::Production
    } else {
        AppEnv::Development
    };
    if app_env == AppEnv::Development {
        // A missing .env is normal in development.
        let _ = dotenvy::dotenv();
    }
    for name in ["DATABASE_DIRECT_URL", "DATABASE_URL"] {
        if let Ok(url) = std::env::var(name)
            && !url.trim().is_empty()
        {
            return Ok(tls_unless_told(url.trim().to_owned(), app_env).into());
        }
    }
    Settings::from_env().map(|settings| settings.migration_database_url().clone())
}

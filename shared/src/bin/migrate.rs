//! `migrate`: applies pending migrations with `DATABASE_DIRECT_URL` (else `DATABASE_URL`).
//! Used by `make dev`, the tests' set-up and the Cloud Run migrate Job.

use std::process::ExitCode;

use folio_shared::{config::Settings, migrate};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    folio_shared::install_crypto_provider();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    match migrate::run(settings.migration_database_url()).await {
        Ok(applied) if applied.is_empty() => println!("migrate: schema is up to date"),
        Ok(applied) => println!("migrate: applied {}", applied.join(", ")),
        Err(err) => {
            eprintln!("migrate: failed: {err:#}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

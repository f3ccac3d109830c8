//! The auth service binary: telemetry, settings, build, serve until SIGTERM.

use std::process::ExitCode;

use folio_auth::startup::Application;
use folio_shared::{config::Settings, server::shutdown_signal, telemetry};

fn main() -> ExitCode {
    folio_shared::install_crypto_provider();
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        return folio_shared::health::healthcheck_command();
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let telemetry = telemetry::init("folio-auth");
    let runtime = tokio::runtime::Runtime::new().expect("start the Tokio runtime");
    let result = runtime.block_on(async {
        let app = Application::build(settings).await?;
        tracing::info!(addr = %app.addr(), "folio-auth listening");
        app.run_until(shutdown_signal()).await?;
        anyhow::Ok(())
    });
    drop(runtime);
    telemetry.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("folio-auth: {err:#}");
            ExitCode::FAILURE
        }
    }
}

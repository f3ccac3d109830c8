//! The auth service binary: everything but the endpoints is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    folio_shared::server::run_main("folio-auth", folio_auth::startup::Application::build)
}

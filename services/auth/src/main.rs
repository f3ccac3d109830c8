//! The auth service binary: everything but the endpoints is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    use folio_auth::startup::Application;
    folio_shared::server::run_main("folio-auth", Application::build, Application::openapi)
}

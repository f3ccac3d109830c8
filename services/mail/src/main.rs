//! The mail worker binary: everything but the worker is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    use folio_mail::startup::Application;
    folio_shared::server::run_main("folio-mail", Application::build, Application::openapi)
}

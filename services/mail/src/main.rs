//! The mail worker binary: everything but the worker is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    folio_shared::server::run_main("folio-mail", folio_mail::startup::Application::build)
}

//! The posts service binary: everything but the endpoints is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    folio_shared::server::run_main("folio-posts", folio_posts::startup::Application::build)
}

//! The posts service binary: everything but the endpoints is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    use folio_posts::startup::Application;
    folio_shared::server::run_main("folio-posts", Application::build, Application::openapi)
}

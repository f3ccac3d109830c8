//! The media service binary: everything but the endpoints is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    use folio_media::startup::Application;
    folio_shared::server::run_main("folio-media", Application::build, Application::openapi)
}

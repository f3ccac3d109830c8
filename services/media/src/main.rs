//! The media service binary: everything but the endpoints is `folio_shared::server::run_main`.

use std::process::ExitCode;

fn main() -> ExitCode {
    folio_shared::server::run_main("folio-media", folio_media::startup::Application::build)
}

//! folio-shared against the real Postgres and Redis: statement modes, migrations, the
//! queue producer and graceful shutdown.

mod consumer;
mod db;
mod migrate;
mod queue;
mod shutdown;

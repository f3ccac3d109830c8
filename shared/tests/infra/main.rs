//! folio-shared against the real Postgres and Redis: statement modes, migrations (and the
//! adoption of a FastAPI blog database), the queue producer and graceful shutdown.

mod adopt;
mod consumer;
mod db;
mod migrate;
mod queue;
mod shutdown;

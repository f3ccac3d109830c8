//! folio-shared against the real Postgres and Redis: statement modes, migrations (and the
//! adoption of a FastAPI blog database), the queue producer, graceful shutdown, and the
//! test harness's own cleanup.

mod adopt;
mod cleanup;
mod consumer;
mod db;
mod migrate;
mod queue;
mod redis_tls;
mod shutdown;

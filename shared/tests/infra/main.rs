//! folio-shared against the real Postgres and Redis: statement modes and their
//! spans, the queue producer (plain and over TLS), graceful shutdown, and the
//! test harness's own cleanup.

mod cleanup;
mod db;
mod queue;
mod redis_tls;
mod shutdown;
mod spans;

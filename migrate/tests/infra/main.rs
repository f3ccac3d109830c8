//! folio-migrate against the real Postgres: the migrations applied once however many
//! runners start, the schema they build, and the adoption of a FastAPI blog database.

mod adopt;
mod migrate;

//! `folio-mail`: the mail worker. It takes jobs from the Redis stream (`folio:mail`),
//! renders them, and hands them to SMTP: at least once, and never twice for a redelivered
//! job. It also re-queues `mail_outbox` rows that auth could not queue (Redis was down).
//!
//! # Layout
//! - [`startup`]: `Application::build(Settings)`: `/health` (Redis and database),
//!   `/livez`, and the two background workers.
//! - [`worker`]: the consumer loop: pending first, then new, reclaim, retry, dead letters.
//! - [`sweep`]: the outbox sweep: rows auth could not queue, and rows whose stream entry
//!   Redis lost before they were sent.
//! - [`outbox`]: the worker's record of settled jobs.
//! - [`smtp`]: the SMTP transport and how its failures are classified.
//! - [`message`]: the templates (`templates/`) and the MIME message.

pub mod message;
pub mod outbox;
pub mod smtp;
pub mod startup;
pub mod sweep;
pub mod worker;

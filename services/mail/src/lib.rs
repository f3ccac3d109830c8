//! `folio-mail`: the mail worker. It takes jobs from the Redis stream (`folio:mail`),
//! renders them, and hands them to SMTP: at least once, and never twice for a redelivered
//! job. It also re-queues `mail_outbox` rows that auth could not queue (Redis was down).
//!
//! # Layout
//! - [`startup`]: `Application::build(Settings)`: `/health` (Redis and database),
//!   `/livez`, the wake, and the two background workers.
//! - [`config`]: the service's [`config::Settings`]: the shared groups it uses and its own.
//! - [`activity`]: the active window: the worker works after a wake, then goes quiet.
//! - [`wake`]: `POST /internal/wake`, the bearer-token wake auth sends.
//! - [`consumer`]: the worker's handle on the stream: the group, pending entries,
//!   reclaiming, acknowledging, dead letters and the send-once marker.
//! - [`worker`]: the consumer loop, one step at a time: pending first, then new, reclaim.
//! - [`handling`]: one delivery: send once, then ack, retry or dead-letter.
//! - [`backoff`]: waits between tries.
//! - [`sweep`]: the outbox sweep: rows auth could not queue, and rows whose stream entry
//!   Redis lost before they were sent.
//! - [`outbox`]: the worker's record of settled jobs.
//! - [`smtp`]: the SMTP transport and how its failures are classified.
//! - `socket`: SMTP connections on a socket without Nagle delays, TLS over it for 465.
//! - [`message`]: the templates (`templates/`) and the MIME message.

pub mod activity;
mod backoff;
pub mod config;
pub mod consumer;
pub mod handling;
pub mod message;
pub mod outbox;
pub mod smtp;
mod socket;
pub mod startup;
pub mod sweep;
pub mod wake;
pub mod worker;

//! Integration tests of the mail worker: real Redis, real Postgres, a real SMTP server
//! (aiosmtpd, see `scripts/smtp_sink.py`) and, end to end, the real auth service.

mod auth_app;
mod consumer;
mod delivery;
mod end_to_end;
mod failures;
mod helpers;
mod resilience;
mod sealed_jobs;
mod servers;
mod slow_smtp;
mod stepping;
mod wake;
mod wake_end_to_end;
mod wake_outages;
mod worker_steps;

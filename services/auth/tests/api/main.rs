//! Integration tests of the auth service against real Postgres and Redis.

mod delete_user;
mod email_change;
mod failures;
mod forged_tokens;
mod forgot_timing;
mod headers;
mod helpers;
mod hostile_text;
mod login;
mod mail_wake;
mod password_change;
mod password_reset;
mod profile_etags;
mod rate_limits;
mod register;
mod usernames;
mod users;

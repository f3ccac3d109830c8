//! Integration tests of the auth service against real Postgres and Redis.

mod delete_user;
mod failures;
mod forged_tokens;
mod headers;
mod hostile_text;
mod helpers;
mod login;
mod password_change;
mod password_reset;
mod rate_limits;
mod usernames;
mod register;
mod users;

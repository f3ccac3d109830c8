//! Integration tests of the media service against real Postgres, a local folder store
//! and a real S3-compatible server (moto, started by the tests).

mod formats;
mod helpers;
mod hostile;
mod ownership;
mod s3;
mod slow_uploads;

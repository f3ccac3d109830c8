//! The mail queue: jobs on the Redis stream `{prefix}:mail` (design: `folio:mail`), backed
//! by the `mail_outbox` table so that nothing is lost while Redis is down.
//!
//! A producer writes the job to `mail_outbox` in the same transaction as the change that
//! causes it ([`insert_outbox`]), then after commit [`MailQueue::publish`] `XADD`s it and
//! marks the row queued. If Redis is down the row stays unqueued and the mail worker's
//! sweep queues it later.

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::{
    db::{Db, DbError, Queryable, Sql},
    redis::bounded,
};

/// Approximate stream length kept (`XADD MAXLEN ~`): days of mail, bounded memory.
pub const STREAM_MAX_LEN: usize = 10_000;

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A password reset link.
    PasswordReset,
    /// A notice that the password was changed.
    PasswordChanged,
}

impl MailKind {
    /// The wire name (`password_reset`, `password_changed`).
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::PasswordChanged => "password_changed",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "password_reset" => Some(MailKind::PasswordReset),
            "password_changed" => Some(MailKind::PasswordChanged),
            _ => None,
        }
    }
}

/// One mail to send; the fields of a stream entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailJob {
    /// Unique per mail; the worker's send-once marker is keyed by it.
    pub id: Uuid,
    /// Which mail.
    pub kind: MailKind,
    /// Recipient address.
    pub to: String,
    /// Recipient's username, for the greeting.
    pub username: String,
    /// The reset link (empty for `password_changed`).
    pub link: String,
    /// W3C trace context of the request that caused the mail.
    pub traceparent: String,
    /// When the job was created.
    pub enqueued_at: DateTime<Utc>,
}

impl MailJob {
    /// A new job, carrying the current trace.
    pub fn new(kind: MailKind, to: &str, username: &str, link: &str) -> Self {
        Self {
            id: Uuid::new_v4(),
            kind,
            to: to.to_owned(),
            username: username.to_owned(),
            link: link.to_owned(),
            traceparent: crate::telemetry::current_traceparent().unwrap_or_default(),
            enqueued_at: Utc::now(),
        }
    }

    /// The stream entry's field/value pairs.
    pub fn to_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("id", self.id.to_string()),
            ("kind", self.kind.as_str().to_owned()),
            ("to", self.to.clone()),
            ("username", self.username.clone()),
            ("link", self.link.clone()),
            ("traceparent", self.traceparent.clone()),
            ("enqueued_at", self.enqueued_at.to_rfc3339()),
        ]
    }

    /// Reads a stream entry's fields; `None` if a field is missing or malformed.
    pub fn from_fields(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            id: get("id")?.parse().ok()?,
            kind: MailKind::parse(&get("kind")?)?,
            to: get("to")?,
            username: get("username")?,
            link: get("link").unwrap_or_default(),
            traceparent: get("traceparent").unwrap_or_default(),
            enqueued_at: DateTime::parse_from_rfc3339(&get("enqueued_at")?)
                .ok()?
                .with_timezone(&Utc),
        })
    }
}

const INSERT_OUTBOX: Sql = Sql::new(
    "insert into mail_outbox (id, payload) values ($1, $2)",
    &[Type::UUID, Type::JSONB],
);

const MARK_QUEUED: Sql = Sql::new(
    "update mail_outbox set queued_at = now() where id = $1 and queued_at is null",
    &[Type::UUID],
);

/// Records `job` in the outbox; call inside the transaction of the change causing it.
pub async fn insert_outbox(tx: &impl Queryable, job: &MailJob) -> Result<(), DbError> {
    let payload = serde_json::to_value(job).expect("a mail job serialises");
    tx.execute(&INSERT_OUTBOX, &[&job.id, &payload]).await?;
    Ok(())
}

/// Why a job could not be published; the outbox row stays for the sweep.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// `XADD` failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Marking the row failed (the job is on the stream; the sweep may queue it twice,
    /// which the worker's send-once marker absorbs).
    #[error("database: {0}")]
    Db(#[from] DbError),
}

/// Producer side of the mail stream.
#[derive(Clone)]
pub struct MailQueue {
    redis: ConnectionManager,
    stream: String,
}

impl MailQueue {
    /// The queue `{prefix}:mail`.
    pub fn new(redis: ConnectionManager, prefix: &str) -> Self {
        Self {
            redis,
            stream: format!("{prefix}:mail"),
        }
    }

    /// The stream key.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// `XADD`s `job` and returns the entry id.
    pub async fn enqueue(&self, job: &MailJob) -> redis::RedisResult<String> {
        let mut conn = self.redis.clone();
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&self.stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(STREAM_MAX_LEN)
            .arg("*");
        for (field, value) in job.to_fields() {
            cmd.arg(field).arg(value);
        }
        bounded(cmd.query_async(&mut conn)).await
    }

    /// Puts an outbox job on the stream and marks its row queued.
    pub async fn publish(&self, db: &Db, job: &MailJob) -> Result<(), PublishError> {
        self.enqueue(job).await?;
        db.conn().await?.execute(&MARK_QUEUED, &[&job.id]).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_job_survives_the_trip_through_stream_fields() {
        let job = MailJob::new(
            MailKind::PasswordReset,
            "a@b.co",
            "ann",
            "http://x/reset-password?token=t",
        );
        let fields: HashMap<_, _> = job.to_fields().into_iter().collect();
        let back = MailJob::from_fields(|k| fields.get(k).cloned()).unwrap();
        assert_eq!(back.id, job.id);
        assert_eq!(back.kind, MailKind::PasswordReset);
        assert_eq!(back.link, job.link);
        assert_eq!(back.enqueued_at.timestamp(), job.enqueued_at.timestamp());
    }

    #[test]
    fn an_entry_with_an_unknown_kind_is_rejected() {
        let job = MailJob::new(MailKind::PasswordChanged, "a@b.co", "ann", "");
        let mut fields: HashMap<_, _> = job.to_fields().into_iter().collect();
        fields.insert("kind", "spam".into());
        assert!(MailJob::from_fields(|k| fields.get(k).cloned()).is_none());
    }
}

//! The mail queue: jobs on the Redis stream `{prefix}:mail` (`folio:mail` in production; `docs/data.md`), backed
//! by the `mail_outbox` table so that nothing is lost while Redis is down.
//!
//! - [`producer`]: auth writes the job to `mail_outbox` in the same transaction as the
//!   change that causes it ([`insert_outbox`]), then after commit [`MailQueue::publish`]
//!   `XADD`s it and marks the row queued. If Redis is down the row stays unqueued and the
//!   mail worker's sweep queues it later.
//! - The consuming side (consumer group `mailers`, reclaiming, dead letters, the send-once
//!   marker) has one user and lives with it: `folio-mail`'s `consumer` module. What both
//!   sides write with ([`stream_key`], [`xadd`]) stays here.
//! - [`cipher`]: the job's secret part (the reset link) is sealed before the job is
//!   written anywhere; only auth and the mail worker hold the key.

pub mod cipher;
pub mod producer;

pub use self::{
    cipher::{CipherError, JobCipher},
    producer::{MailQueue, PublishError, insert_outbox},
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long stream entries are kept (`XADD MINID ~`): far beyond any retry, bounded memory.
pub const STREAM_RETENTION: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// The job stream of a key prefix (`folio:mail`).
pub fn stream_key(prefix: &str) -> String {
    format!("{prefix}:mail")
}

/// `XADD stream MINID ~ <a week ago> * field value...`: every write trims by age, never
/// by count, so a backlog of undelivered jobs is never cut off (a count limit would drop
/// pending entries whose outbox rows are already marked queued).
pub fn xadd(stream: &str, fields: &[(&str, String)]) -> redis::Cmd {
    let oldest = chrono::Utc::now() - STREAM_RETENTION;
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream)
        .arg("MINID")
        .arg("~")
        .arg(oldest.timestamp_millis().max(0))
        .arg("*");
    for (field, value) in fields {
        cmd.arg(*field).arg(value);
    }
    cmd
}

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A password reset link.
    PasswordReset,
    /// A notice that the password was changed.
    PasswordChanged,
    /// A notice, to the old address, that the account's email was changed.
    EmailChanged,
}

impl MailKind {
    /// The wire name (`password_reset`, `password_changed`, `email_changed`).
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::PasswordReset => "password_reset",
            MailKind::PasswordChanged => "password_changed",
            MailKind::EmailChanged => "email_changed",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        match value {
            "password_reset" => Some(MailKind::PasswordReset),
            "password_changed" => Some(MailKind::PasswordChanged),
            "email_changed" => Some(MailKind::EmailChanged),
            _ => None,
        }
    }
}

/// One mail to send; the fields of a stream entry.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailJob {
    /// Unique per mail; the worker's send-once marker is keyed by it.
    pub id: Uuid,
    /// Which mail.
    pub kind: MailKind,
    /// Recipient address.
    pub to: String,
    /// Recipient's username, for the greeting.
    pub username: String,
    /// The reset link, sealed ([`MailJob::with_link`]); empty for the other kinds.
    pub link: String,
    /// W3C trace context of the request that caused the mail.
    pub traceparent: String,
    /// When the job was created.
    pub enqueued_at: DateTime<Utc>,
}

/// The reset link carries a live token: never printed.
impl std::fmt::Debug for MailJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailJob")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("to", &self.to)
            .field("link", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl MailJob {
    /// A new job, carrying the current trace. `link` is stored as given: a job that carries
    /// a link is made with an empty one, then [`MailJob::with_link`].
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

    /// The job with `link` sealed into it: the outbox row and the stream entry never hold
    /// it in clear.
    pub fn with_link(mut self, link: &str, cipher: &JobCipher) -> Result<Self, CipherError> {
        self.link = cipher.seal(self.sealing_context().as_bytes(), link)?;
        Ok(self)
    }

    /// The link sealed in the job, in clear; fails if it was altered or moved from another
    /// job.
    pub fn open_link(&self, cipher: &JobCipher) -> Result<String, CipherError> {
        cipher.open(self.sealing_context().as_bytes(), &self.link)
    }

    // What a sealed link is bound to. `to` comes last, so no value can pose as another.
    fn sealing_context(&self) -> String {
        format!(
            "folio-mail-job|{}|{}|{}",
            self.id,
            self.kind.as_str(),
            self.to
        )
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
    fn a_sealed_link_opens_only_on_its_own_job_and_recipient() {
        let cipher = JobCipher::from_keys(&JobCipher::generate_key()).unwrap();
        let link = "http://x/reset-password?token=t";
        let job = MailJob::new(MailKind::PasswordReset, "a@b.co", "ann", "")
            .with_link(link, &cipher)
            .unwrap();
        let fields: HashMap<_, _> = job.to_fields().into_iter().collect();
        assert!(!fields["link"].contains("token"), "{}", fields["link"]);

        let back = MailJob::from_fields(|k| fields.get(k).cloned()).unwrap();
        assert_eq!(back.open_link(&cipher).unwrap(), link);
        let redirected = MailJob {
            to: "thief@evil.example".into(),
            ..back.clone()
        };
        assert_eq!(redirected.open_link(&cipher), Err(CipherError::Forged));
        let other = MailJob {
            link: back.link.clone(),
            ..MailJob::new(MailKind::PasswordReset, "a@b.co", "ann", "")
        };
        assert_eq!(other.open_link(&cipher), Err(CipherError::Forged));
    }

    #[test]
    fn an_entry_with_an_unknown_kind_is_rejected() {
        let job = MailJob::new(MailKind::PasswordChanged, "a@b.co", "ann", "");
        let mut fields: HashMap<_, _> = job.to_fields().into_iter().collect();
        fields.insert("kind", "spam".into());
        assert!(MailJob::from_fields(|k| fields.get(k).cloned()).is_none());
    }
}

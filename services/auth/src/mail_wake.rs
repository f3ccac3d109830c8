//! Waking the mail worker. In production it scales to zero and, once quiet, reads
//! nothing: a request that queues a mail wakes it (`POST MAIL_WAKE_URL` with
//! `Authorization: Bearer MAIL_WAKE_TOKEN`) before answering, because Cloud Run throttles
//! auth's CPU once its response is sent. Only the quick acknowledgement is waited for:
//! the worker drains the queue after answering. A wake that fails or is slow is a warning
//! and changes nothing for the caller; the mail waits in the stream or the outbox for the
//! next wake (the scheduler's, at the latest).

use std::time::Duration;

use folio_shared::config::{ConfigError, MailWakeSettings};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};

/// Longest wait for the acknowledgement, connecting included. A warm worker answers in
/// about a millisecond; a cold start takes longer, and Cloud Run starts the instance for
/// the request even if we stop waiting.
pub const WAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends wakes to the mail worker.
#[derive(Clone)]
pub struct MailWaker {
    client: reqwest::Client,
    url: String,
    token: SecretString,
}

impl MailWaker {
    /// `MAIL_WAKE_URL` and `MAIL_WAKE_TOKEN`; both required in production.
    pub fn from_settings(settings: &MailWakeSettings) -> Result<Self, ConfigError> {
        let url = settings.url()?;
        let token = settings.token()?;
        let client = reqwest::Client::builder()
            .timeout(WAKE_TIMEOUT)
            .connect_timeout(WAKE_TIMEOUT)
            // The token goes to this URL only, never where a redirect points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::new("MAIL_WAKE_URL", e.to_string()))?;
        Ok(Self { client, url, token })
    }

    /// Wakes the worker and waits for its acknowledgement (at most [`WAKE_TIMEOUT`]).
    /// Never fails: a wake that did not land is logged as a warning.
    pub async fn wake(&self) {
        let sent = self
            .client
            .post(&self.url)
            .bearer_auth(self.token.expose_secret())
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == StatusCode::ACCEPTED => {
                tracing::debug!("mail worker woken");
            }
            Ok(response) => tracing::warn!(
                status = response.status().as_u16(),
                "the mail worker refused the wake; the mail waits for the next one"
            ),
            Err(err) => tracing::warn!(
                error = %err,
                "could not wake the mail worker; the mail waits for the next wake"
            ),
        }
    }
}

//! The SMTP transport (lettre over rustls) and what its failures mean for a job.

use std::time::Duration;

use folio_shared::config::MailSettings;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::{PoolConfig, authentication::Credentials},
};
use secrecy::ExposeSecret;

/// Longest one send may take; the reclaim idle time must stay above it.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How a send failed, which decides what happens to the job.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// The server could not be reached (down, refused, timed out, TLS failed): wait and
    /// retry without spending an attempt; the outage is not the mail's fault.
    #[error("SMTP server unreachable: {0}")]
    Unreachable(String),
    /// The server answered 4xx: retry later, counting an attempt.
    #[error("SMTP server deferred the mail: {0}")]
    Transient(String),
    /// The server answered 5xx (no such user, refused): never retry.
    #[error("SMTP server rejected the mail: {0}")]
    Permanent(String),
}

/// 530 (TLS or auth required), 534/538 (mechanism), 535 (bad credentials).
fn is_configuration_refusal(err: &lettre::transport::smtp::Error) -> bool {
    err.status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"))
}

/// Sends messages over SMTP; clones share one connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    /// Port 465 is implicit TLS; otherwise `MAIL_USE_TLS` requires STARTTLS.
    pub fn from_settings(mail: &MailSettings) -> anyhow::Result<Self> {
        let builder = if mail.port == 465 {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&mail.server)?
        } else if mail.use_tls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&mail.server)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&mail.server)
        };
        let mut builder = builder
            .port(mail.port)
            .timeout(Some(SEND_TIMEOUT))
            // One connection per concurrent sender, kept open between mails.
            .pool_config(PoolConfig::new().max_size(mail.concurrency));
        if !mail.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                mail.username.clone(),
                mail.password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
        })
    }

    /// Hands `message` to the server; `Ok` once it accepted it.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Err(_) => Err(SendError::Unreachable("timed out".to_owned())),
            Ok(Ok(_)) => Ok(()),
            // Authentication and TLS-policy refusals are about our configuration, not the
            // mail: treated as an outage (wait and retry) rather than dead-lettering the
            // whole queue over one wrong password.
            Ok(Err(err)) if err.is_permanent() && is_configuration_refusal(&err) => {
                Err(SendError::Unreachable(err.to_string()))
            }
            Ok(Err(err)) if err.is_permanent() => Err(SendError::Permanent(err.to_string())),
            Ok(Err(err)) if err.is_transient() => Err(SendError::Transient(err.to_string())),
            Ok(Err(err)) => Err(SendError::Unreachable(err.to_string())),
        }
    }
}

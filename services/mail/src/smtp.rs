//! The SMTP client (lettre over rustls) and what its failures mean for a job.
//!
//! Each consumer loop owns one connection, kept open from mail to mail. We open the TCP
//! connection ourselves, with `TCP_NODELAY`, and hand it to lettre
//! (`AsyncSmtpConnection::connect_with_transport`): lettre writes a message and its
//! terminating `.` as two small writes, and under Nagle's algorithm the second waits for
//! the server's delayed ACK (~40 ms on Linux), most of a send's time. It also widened the
//! one window in which a mail can go out twice: the kernel of a killed worker still
//! flushes that terminator, so the server accepted mails whose sender was long gone and
//! never set the sent marker. lettre's own pool dials its sockets itself, with no way to
//! set the option, and tests every connection with a `NOOP` before each mail. Port 465
//! (implicit TLS) gets the same socket, with TLS over it ([`crate::socket`]).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use crate::config::MailSettings;
use lettre::{
    Message,
    transport::smtp::{
        authentication::{Credentials, DEFAULT_MECHANISMS},
        client::{AsyncSmtpConnection, TlsParameters},
        extension::ClientId,
    },
};
use secrecy::ExposeSecret;
use tracing::Instrument;

use crate::socket::{ImplicitTls, dial};

/// Longest one send may take, connecting included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection used this recently is reused as it is; older, it is first checked with
/// a `NOOP` (the server may have closed it), and past [`IDLE_LIMIT`] replaced.
const REUSE_UNCHECKED: Duration = Duration::from_secs(5);
/// Servers close idle sessions after a few minutes at the earliest (RFC 5321 asks for
/// five); well inside that, an idle connection is dropped rather than probed.
const IDLE_LIMIT: Duration = Duration::from_secs(60);

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

/// What a failed transaction (`MAIL`, `RCPT`, `DATA`) means for the mail. A refusal of
/// our credentials or TLS policy (a `530` to `MAIL FROM`) is an outage, as a failure to
/// open the session is ([`ConnectError`]).
fn classify(err: lettre::transport::smtp::Error) -> SendError {
    if err.is_permanent() && is_configuration_refusal(&err) {
        SendError::Unreachable(err.to_string())
    } else if err.is_permanent() {
        SendError::Permanent(err.to_string())
    } else if err.is_transient() {
        SendError::Transient(err.to_string())
    } else {
        SendError::Unreachable(err.to_string())
    }
}

/// Failing to open a session: the socket, or the greeting, `EHLO`, `STARTTLS` or `AUTH`
/// (a refusal of our credentials or TLS policy included).
#[derive(Debug, thiserror::Error)]
enum ConnectError {
    #[error(transparent)]
    Socket(#[from] std::io::Error),
    #[error(transparent)]
    Session(#[from] lettre::transport::smtp::Error),
}

/// A session that cannot be opened is about the server or our configuration, never the
/// mail: treated as an outage (wait and retry) rather than dead-lettering the whole queue
/// over one wrong password.
impl From<ConnectError> for SendError {
    fn from(err: ConnectError) -> Self {
        SendError::Unreachable(err.to_string())
    }
}

/// How the session is secured.
#[derive(Clone)]
enum Security {
    Plain,
    /// `MAIL_USE_TLS` on a port other than 465: STARTTLS is required (no credentials or
    /// mail are sent if the server does not offer it).
    StartTls(TlsParameters),
    /// Port 465: TLS from the first byte, over our own socket.
    Implicit(ImplicitTls),
}

struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// Sends messages over one SMTP connection of its own. A clone shares the settings but
/// opens its own connection: one per consumer loop, so `MAIL_CONCURRENCY` sends run side
/// by side.
pub struct Mailer {
    server: Arc<Server>,
    idle: Option<Idle>,
}

impl Clone for Mailer {
    fn clone(&self) -> Self {
        Self {
            server: Arc::clone(&self.server),
            idle: None,
        }
    }
}

impl Mailer {
    /// Port 465 is implicit TLS; otherwise `MAIL_USE_TLS` requires STARTTLS.
    pub fn from_settings(mail: &MailSettings) -> anyhow::Result<Self> {
        let security = if mail.port == 465 {
            Security::Implicit(ImplicitTls::new(&mail.server)?)
        } else if mail.use_tls {
            Security::StartTls(TlsParameters::new(mail.server.clone())?)
        } else {
            Security::Plain
        };
        let credentials = (!mail.username.is_empty()).then(|| {
            Credentials::new(
                mail.username.clone(),
                mail.password.expose_secret().to_owned(),
            )
        });
        Ok(Self {
            server: Arc::new(Server {
                host: mail.server.clone(),
                port: mail.port,
                security,
                credentials,
                hello: ClientId::default(),
            }),
            idle: None,
        })
    }

    /// Hands `message` to the server; `Ok` as soon as it answered 250 to the message.
    pub async fn send(&mut self, message: &Message) -> Result<(), SendError> {
        // On a timeout the connection in hand is dropped with the future: its state is
        // unknown, the next send opens a new one.
        tokio::time::timeout(SEND_TIMEOUT, self.transact(message))
            .await
            .unwrap_or_else(|_| Err(SendError::Unreachable("timed out".to_owned())))
    }

    /// Says goodbye on the open connection, if any (at shutdown).
    pub async fn close(&mut self) {
        if let Some(mut idle) = self.idle.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), idle.conn.quit()).await;
        }
    }

    async fn transact(&mut self, message: &Message) -> Result<(), SendError> {
        let mut conn = self.connection().await?;
        let sent = conn
            .send(message.envelope(), &message.formatted())
            .instrument(tracing::debug_span!("smtp_send"))
            .await;
        // lettre closes the session on any error; a refused mail leaves it usable.
        if !conn.has_broken() {
            self.idle = Some(Idle {
                conn,
                since: Instant::now(),
            });
        }
        // A failed transaction is judged by its reply; a failure to open the session
        // (the `?` above) never is: it is an outage whatever its code.
        sent.map_err(classify)?;
        Ok(())
    }

    /// The open connection if it is still good, else a new one.
    async fn connection(&mut self) -> Result<AsyncSmtpConnection, ConnectError> {
        if let Some(mut idle) = self.idle.take() {
            let age = idle.since.elapsed();
            if age < REUSE_UNCHECKED || (age < IDLE_LIMIT && idle.conn.test_connected().await) {
                return Ok(idle.conn);
            }
        }
        let server = &*self.server;
        self.connect()
            .instrument(
                tracing::debug_span!("smtp_connect", host = %server.host, port = server.port),
            )
            .await
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, ConnectError> {
        let server = &*self.server;
        let mut conn = match &server.security {
            Security::Implicit(tls) => {
                let stream = tls.dial(server.port).await?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &server.hello).await?
            }
            Security::Plain | Security::StartTls(_) => {
                let stream = dial(&server.host, server.port).await?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &server.hello).await?
            }
        };
        if let Security::StartTls(tls) = &server.security {
            conn.starttls(tls.clone(), &server.hello).await?;
        }
        if let Some(credentials) = &server.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

#[cfg(test)]
mod tests {
    use tokio::{
        io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
        net::TcpListener,
    };

    use super::*;
    use crate::socket::tests::localhost_tls;

    /// Just enough of an SMTP server, over implicit TLS, to take one mail; returns what
    /// it received after `DATA`.
    async fn smtps_server(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor) -> String {
        let (socket, _) = listener.accept().await.unwrap();
        let mut session = BufReader::new(acceptor.accept(socket).await.unwrap());
        session.write_all(b"220 localhost ESMTP\r\n").await.unwrap();
        let (mut line, mut data, mut in_data) = (String::new(), String::new(), false);
        loop {
            line.clear();
            if session.read_line(&mut line).await.unwrap() == 0 {
                return data;
            }
            let reply: &[u8] = if in_data {
                if line != ".\r\n" {
                    data.push_str(&line);
                    continue;
                }
                in_data = false;
                b"250 queued\r\n"
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go ahead\r\n"
            } else if line.starts_with("QUIT") {
                session.write_all(b"221 bye\r\n").await.unwrap();
                return data;
            } else {
                b"250 ok\r\n"
            };
            session.write_all(reply).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_mail_goes_out_over_implicit_tls_on_the_workers_own_socket() {
        let (acceptor, tls) = localhost_tls();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(smtps_server(listener, acceptor));
        let mut mailer = Mailer {
            server: Arc::new(Server {
                host: "localhost".to_owned(),
                port,
                security: Security::Implicit(tls),
                credentials: None,
                hello: ClientId::default(),
            }),
            idle: None,
        };
        let message = Message::builder()
            .from("noreply@folio.test".parse().unwrap())
            .to("ann@example.com".parse().unwrap())
            .subject("Over TLS")
            .body("Hello over TLS".to_owned())
            .unwrap();

        let sent = mailer.send(&message).await;
        mailer.close().await;

        assert_eq!(sent, Ok(()));
        let received = server.await.unwrap();
        assert!(received.contains("Subject: Over TLS"), "{received}");
    }
}

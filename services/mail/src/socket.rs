//! How the worker's SMTP connections are opened: a TCP socket of its own with
//! `TCP_NODELAY` (see [`crate::smtp`] for the 40 ms it saves per mail), and for port 465
//! TLS over that same socket, so that implicit TLS gets the fast path too. lettre would
//! dial the 465 socket itself, with no way to set the option.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use lettre::transport::smtp::client::AsyncTokioStream;
use rustls::{ClientConfig, RootCertStore, pki_types::ServerName};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};

/// A TCP connection with Nagle's algorithm off.
pub(crate) async fn dial(host: &str, port: u16) -> io::Result<TcpStream> {
    let stream = TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Implicit TLS (SMTPS, port 465): the server's certificate checked against the public
/// CAs (webpki roots, as lettre's own TLS does), TLS 1.2 or 1.3.
#[derive(Clone)]
pub(crate) struct ImplicitTls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl ImplicitTls {
    /// TLS to `host`, trusting the public CAs.
    pub(crate) fn new(host: &str) -> anyhow::Result<Self> {
        let roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self::trusting(host, roots)
    }

    /// TLS to `host`, trusting `roots` only.
    pub(crate) fn trusting(host: &str, roots: RootCertStore) -> anyhow::Result<Self> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
            name: ServerName::try_from(host.to_owned())?,
        })
    }

    /// Dials `port` of the server without Nagle's algorithm and completes the handshake.
    pub(crate) async fn dial(&self, port: u16) -> io::Result<TlsOverTcp> {
        let host = self.name.to_str();
        let stream = dial(&host, port).await?;
        let tls = self.connector.connect(self.name.clone(), stream).await?;
        Ok(TlsOverTcp(tls))
    }
}

/// A TLS session over our own socket, in the shape lettre's
/// `AsyncSmtpConnection::connect_with_transport` takes.
#[derive(Debug)]
pub(crate) struct TlsOverTcp(TlsStream<TcpStream>);

impl TlsOverTcp {
    /// The socket under the session.
    pub(crate) fn socket(&self) -> &TcpStream {
        self.0.get_ref().0
    }
}

impl AsyncTokioStream for TlsOverTcp {
    fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.socket().peer_addr()
    }
}

impl AsyncRead for TlsOverTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsOverTcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::{path::Path, process::Command};

    use rustls::{
        ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    };
    use tokio::net::TcpListener;
    use tokio_rustls::TlsAcceptor;

    use super::*;

    /// A self-signed certificate for `localhost` (by the `openssl` command) and a client
    /// that trusts only it.
    pub(crate) fn localhost_tls() -> (TlsAcceptor, ImplicitTls) {
        let dir = std::env::temp_dir().join(format!("folio-smtps-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=DNS:localhost"])
            // A leaf, not a CA: webpki refuses a CA certificate as the server's.
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("the openssl command is installed");
        assert!(made.status.success(), "{made:?}");
        let read = |path: &Path| std::fs::read(path).unwrap();
        let cert = CertificateDer::from_pem_slice(&read(&cert)).unwrap();
        let key = PrivateKeyDer::from_pem_slice(&read(&key)).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert).unwrap();
        let client = ImplicitTls::trusting("localhost", roots).unwrap();
        (TlsAcceptor::from(Arc::new(server)), client)
    }

    #[tokio::test]
    async fn connections_to_the_server_are_dialled_without_nagle_delays() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();

        let stream = dial("127.0.0.1", port).await.unwrap();

        assert!(stream.nodelay().unwrap());
    }

    #[tokio::test]
    async fn implicit_tls_runs_over_a_socket_without_nagle_delays() {
        let (acceptor, client) = localhost_tls();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            acceptor.accept(socket).await.map(|_| ())
        });

        let stream = client.dial(port).await.unwrap();

        assert!(stream.socket().nodelay().unwrap());
        server.await.unwrap().expect("the handshake completed");
    }
}

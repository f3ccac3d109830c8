//! Serving and draining: Cloud Run sends SIGTERM and kills 10 s later, so on SIGTERM or
//! SIGINT the server stops accepting, lets in-flight requests finish, and gives up on
//! stragglers after [`DRAIN_TIMEOUT`].

use std::{net::SocketAddr, time::Duration};

use poem::{
    Endpoint, Server,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};

/// Longest wait for in-flight requests after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(8);

/// A bound listener, so tests learn the port before serving (port 0 picks a free one).
pub struct BoundListener {
    acceptor: TcpAcceptor,
    addr: SocketAddr,
}

impl BoundListener {
    /// Binds `0.0.0.0:port` (Cloud Run routes to all interfaces).
    pub async fn bind(port: u16) -> std::io::Result<Self> {
        Self::bind_addr(SocketAddr::from(([0, 0, 0, 0], port))).await
    }

    /// Binds a specific address.
    pub async fn bind_addr(addr: SocketAddr) -> std::io::Result<Self> {
        let acceptor = TcpListener::bind(addr).into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .unwrap_or(addr);
        Ok(Self { acceptor, addr })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `app` until `shutdown` resolves, then drains.
    pub async fn serve<E>(self, app: E, shutdown: impl Future<Output = ()>) -> std::io::Result<()>
    where
        E: Endpoint + 'static,
    {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(DRAIN_TIMEOUT))
            .await
    }
}

/// Resolves on SIGTERM (Cloud Run, compose) or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, draining"),
        () = terminate => tracing::info!("SIGTERM received, draining"),
    }
}

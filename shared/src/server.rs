//! Serving and draining: Cloud Run sends SIGTERM and kills 10 s later, so on SIGTERM or
//! SIGINT the server stops accepting, lets in-flight requests finish, and gives up on
//! stragglers after [`DRAIN_TIMEOUT`].

use std::{
    collections::HashMap, marker::PhantomData, net::SocketAddr, process::ExitCode, time::Duration,
};

use poem::{
    Endpoint, Response, Server,
    endpoint::BoxEndpoint,
    http::Method,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};
use poem_openapi::{
    OpenApi, OpenApiService,
    registry::{MetaApi, Registry},
};

use tokio::{sync::watch, task::JoinHandle};

use crate::{config::ServiceSettings, http::ApiDocs, telemetry};

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

/// Tells background work that the process is shutting down.
#[derive(Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// True once shutdown began.
    pub fn is_shutting_down(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when shutdown begins (at once if it already has).
    pub async fn wait(&mut self) {
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// A built service: its endpoint, the listener it will serve on, and any background
/// workers that must stop with it.
pub struct App {
    listener: BoundListener,
    endpoint: BoxEndpoint<'static, Response>,
    stop: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl App {
    /// Pairs an endpoint with its bound listener.
    pub fn new(listener: BoundListener, endpoint: BoxEndpoint<'static, Response>) -> Self {
        Self {
            listener,
            endpoint,
            stop: watch::channel(false).0,
            workers: Vec::new(),
        }
    }

    /// Starts a background worker now; it gets the shutdown signal and has the drain
    /// time to finish once it fires.
    pub fn spawn_worker<F, Fut>(&mut self, worker: F)
    where
        F: FnOnce(ShutdownSignal) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let signal = ShutdownSignal(self.stop.subscribe());
        self.workers.push(tokio::spawn(worker(signal)));
    }

    /// The bound address (the port is chosen by the OS when `PORT` is 0).
    pub fn addr(&self) -> SocketAddr {
        self.listener.addr()
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests and lets workers
    /// finish, all within [`DRAIN_TIMEOUT`]; a worker still busy then is abandoned.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let stop = self.stop;
        let stopped_at = std::sync::OnceLock::new();
        let served = self
            .listener
            .serve(self.endpoint, async {
                shutdown.await;
                let _ = stopped_at.set(tokio::time::Instant::now());
                let _ = stop.send(true);
            })
            .await;
        let _ = stop.send(true);
        let stopped_at = *stopped_at.get_or_init(tokio::time::Instant::now);
        for worker in self.workers {
            let left = DRAIN_TIMEOUT
                .saturating_sub(stopped_at.elapsed())
                .max(Duration::from_millis(100));
            let abort = worker.abort_handle();
            if tokio::time::timeout(left, worker).await.is_err() {
                tracing::warn!("a background worker did not stop in time; aborting it");
                abort.abort();
            }
        }
        served
    }
}

/// The whole `main` of a service: TLS provider, the `healthcheck` and `openapi`
/// subcommands, settings (one line on error), telemetry, the runtime, serving until
/// SIGTERM/SIGINT, and a flush of traces on the way out.
///
/// `openapi` prints the document the service serves at `/openapi.json`, made by `spec`
/// without settings or connections, so the build can merge every service's spec
/// (`scripts/openapi.sh`) with no database or Redis around.
pub fn run_main<S, F, Fut>(
    service: &'static str,
    build: F,
    spec: fn() -> OpenApiDocument,
) -> ExitCode
where
    S: ServiceSettings,
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = anyhow::Result<App>>,
{
    match std::env::args().nth(1).as_deref() {
        Some("healthcheck") => return crate::health::healthcheck_command(),
        Some("openapi") => {
            println!("{:#}", spec());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    crate::install_crypto_provider();
    return_large_allocations_to_os();
    let settings = match S::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    // Before the runtime: the OTLP exporter's blocking client must not be built inside it.
    let telemetry = telemetry::init(service);
    let result = tokio::runtime::Runtime::new()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| {
            let result = runtime.block_on(async {
                let app = build(settings).await?;
                tracing::info!(addr = %app.addr(), "{service} listening");
                app.run_until(shutdown_signal()).await?;
                anyhow::Ok(())
            });
            // Dropping a runtime waits for blocking tasks (an image decode) without limit;
            // Cloud Run kills at 10 s, so give them one more second at most.
            runtime.shutdown_timeout(Duration::from_secs(1));
            result
        });
    telemetry.shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{service}: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The completed OpenAPI document of the endpoints `T` (what `with_docs` serves), from
/// their types alone: poem-openapi describes an API by `T::meta()` and `T::register()`, so
/// no endpoint is constructed and nothing is connected.
pub fn openapi_spec<T: OpenApi>(title: &str, version: &str, docs: &ApiDocs) -> OpenApiDocument {
    docs.complete(&OpenApiService::new(Described::<T>(PhantomData), title, version).spec())
}

/// An OpenAPI document as JSON (services name it without depending on serde_json).
pub type OpenApiDocument = serde_json::Value;

/// Stands in for the endpoints `T` where only their description is needed; serves nothing.
struct Described<T>(PhantomData<T>);

impl<T: OpenApi> OpenApi for Described<T> {
    fn meta() -> Vec<MetaApi> {
        T::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn add_routes(self, _: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {}
}

/// Makes glibc serve allocations of 4 MiB and more with their own mappings, returned to
/// the OS on free. By default glibc raises that threshold after the first large free and
/// then keeps freed buffers (a 19 MiB Argon2 matrix, a decoded photo) in per-thread
/// arenas: measured under a login flood, eight arenas held 58 MiB each. A fixed threshold
/// costs a few page faults per large buffer and keeps RSS near the live working set.
pub fn return_large_allocations_to_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthApi;

    #[test]
    fn the_printed_spec_is_the_one_a_built_service_describes() {
        let built = OpenApiService::new(HealthApi::new(Vec::new()), "Folio test", "1.2.3");
        let docs = ApiDocs::default();
        assert_eq!(
            openapi_spec::<HealthApi>("Folio test", "1.2.3", &docs),
            docs.complete(&built.spec())
        );
        let printed = openapi_spec::<HealthApi>("Folio test", "1.2.3", &docs);
        assert!(
            printed["paths"]["/health"]["get"].is_object(),
            "{printed:#}"
        );
    }
}

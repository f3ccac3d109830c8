//! `/health` (readiness: every dependency answers), `/livez` (liveness: the process
//! answers, nothing else touched), and the `/docs` + `/openapi.json` routes.

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use poem::Route;
use poem_openapi::{ApiResponse, Object, OpenApi, OpenApiService, payload::Json};

use crate::{
    db::{Db, Queryable, Sql},
    http::Detail,
};

/// A dependency `/health` checks; `Err` carries the 503's detail.
pub trait Probe: Send + Sync {
    /// Checks the dependency once.
    fn check(&self) -> BoxFuture<'_, Result<(), &'static str>>;
}

const SELECT_ONE: Sql = Sql::new("select 1", &[]);

/// `SELECT 1` on the pool.
pub struct DatabaseProbe(pub Db);

impl Probe for DatabaseProbe {
    fn check(&self) -> BoxFuture<'_, Result<(), &'static str>> {
        Box::pin(async move {
            let conn = self.0.conn().await.map_err(|_| "Database unavailable")?;
            conn.query(&SELECT_ONE, &[])
                .await
                .map(drop)
                .map_err(|_| "Database unavailable")
        })
    }
}

/// A probe slower than this counts as down: Cloud Run's probe must not hang.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The health endpoints of a service.
pub struct HealthApi {
    probes: Vec<Arc<dyn Probe>>,
}

impl HealthApi {
    /// Health endpoints checking `probes` in order.
    pub fn new(probes: Vec<Arc<dyn Probe>>) -> Self {
        Self { probes }
    }
}

/// `{"status": "healthy"}` or `{"status": "alive"}`.
#[derive(Debug, Object, serde::Deserialize)]
pub struct Status {
    /// Always a fixed word; failures answer with `detail` instead.
    pub status: String,
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// Every dependency answered.
    #[oai(status = 200)]
    Healthy(Json<Status>),
    /// A dependency did not answer in time.
    #[oai(status = 503)]
    Unavailable(Json<Detail>),
}

#[derive(poem_openapi::Tags)]
enum HealthTags {
    /// Probes for Cloud Run and compose.
    Health,
}

#[OpenApi(tag = "HealthTags::Health")]
impl HealthApi {
    /// Readiness: the database (and, for mail, Redis) answers.
    #[oai(path = "/health", method = "get")]
    async fn health(&self) -> HealthResponse {
        for probe in &self.probes {
            let result = tokio::time::timeout(PROBE_TIMEOUT, probe.check())
                .await
                .unwrap_or(Err("Database unavailable"));
            if let Err(detail) = result {
                return HealthResponse::Unavailable(Json(Detail {
                    detail: detail.to_owned(),
                }));
            }
        }
        HealthResponse::Healthy(Json(Status {
            status: "healthy".to_owned(),
        }))
    }

    /// Liveness: the process serves requests; no dependency is touched.
    #[oai(path = "/livez", method = "get")]
    async fn livez(&self) -> Json<Status> {
        Json(Status {
            status: "alive".to_owned(),
        })
    }
}

/// Mounts an API with its Swagger UI at `/docs` and its spec at `/openapi.json`.
pub fn with_docs<T>(service: OpenApiService<T, ()>) -> Route
where
    T: OpenApi + 'static,
{
    let ui = service.swagger_ui();
    let spec = service.spec_endpoint();
    Route::new()
        .nest("/docs", ui)
        .at("/openapi.json", spec)
        .nest("/", service)
}

/// The `healthcheck` subcommand of every binary (compose healthchecks in images without a
/// shell or curl): `GET /livez` on `127.0.0.1:$PORT`, success on a 200 within 2 s.
pub fn healthcheck_command() -> std::process::ExitCode {
    use std::{
        io::{Read, Write},
        net::{SocketAddr, TcpStream},
        process::ExitCode,
    };
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(8080);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let check = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"GET /livez HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.0 200") || head.starts_with(b"HTTP/1.1 200"))
    };
    match check() {
        Ok(true) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

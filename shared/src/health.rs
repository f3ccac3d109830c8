//! `/health` (readiness: every dependency answers), `/livez` (liveness: the process
//! answers, nothing else touched), and the `/docs` + `/openapi.json` routes.

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use poem::{EndpointExt, IntoResponse, Route, endpoint::make_sync, web::Html};
use poem_openapi::{
    ApiResponse, Object, OpenApi, OpenApiService,
    payload::{Json, PlainText},
};

use crate::{
    db::{Db, Queryable, Sql},
    http::{AllowHeader, ApiDocs, Detail},
};

/// A dependency `/health` checks.
pub trait Probe: Send + Sync {
    /// The 503's detail when the dependency is down (`Database unavailable`).
    fn down_detail(&self) -> &'static str;

    /// Checks the dependency once; `true` when it answered.
    fn check(&self) -> BoxFuture<'_, bool>;
}

const SELECT_ONE: Sql = Sql::new("select 1", &[]);

/// `SELECT 1` on the pool.
pub struct DatabaseProbe(pub Db);

impl Probe for DatabaseProbe {
    fn down_detail(&self) -> &'static str {
        "Database unavailable"
    }

    fn check(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            match self.0.conn().await {
                Ok(conn) => conn.query(&SELECT_ONE, &[]).await.is_ok(),
                Err(_) => false,
            }
        })
    }
}

/// `PING` on Redis (the mail worker cannot work without it).
pub struct RedisProbe(pub redis::aio::ConnectionManager);

impl Probe for RedisProbe {
    fn down_detail(&self) -> &'static str {
        "Redis unavailable"
    }

    fn check(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            let mut conn = self.0.clone();
            let pong: redis::RedisResult<String> =
                crate::redis::bounded(redis::cmd("PING").query_async(&mut conn)).await;
            pong.is_ok()
        })
    }
}

/// A probe slower than this counts as down: Cloud Run's probe must not hang.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The health endpoints of a service.
pub struct HealthApi {
    probes: Vec<Arc<dyn Probe>>,
    db: Option<Db>,
}

impl HealthApi {
    /// Health endpoints checking `probes` in order.
    pub fn new(probes: Vec<Arc<dyn Probe>>) -> Self {
        Self { probes, db: None }
    }

    /// Also reports the statements run through `db` at `/metrics`.
    pub fn counting(self, db: Db) -> Self {
        Self {
            db: Some(db),
            ..self
        }
    }
}

/// CPU time this process has used, user and system: what Cloud Run bills by.
fn process_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given; it is zeroed and ours.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call above.
            let usage = unsafe { usage.assume_init() };
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            return seconds(usage.ru_utime) + seconds(usage.ru_stime);
        }
    }
    0.0
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
            let up = tokio::time::timeout(PROBE_TIMEOUT, probe.check())
                .await
                .unwrap_or(false);
            if !up {
                return HealthResponse::Unavailable(Json(Detail {
                    detail: probe.down_detail().to_owned(),
                }));
            }
        }
        HealthResponse::Healthy(Json(Status {
            status: "healthy".to_owned(),
        }))
    }

    /// Counters in Prometheus' text format: CPU seconds (the cost of a request is their
    /// rise over a load divided by its requests: `make bench`) and database statements.
    /// Not part of the public API: the gateway does not route it.
    #[oai(path = "/metrics", method = "get", hidden)]
    async fn metrics(&self) -> PlainText<String> {
        let mut text = format!(
            "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {}\n",
            process_cpu_seconds()
        );
        if let Some(db) = &self.db {
            text.push_str(&format!(
                "# TYPE folio_db_statements_total counter\nfolio_db_statements_total {}\n",
                db.statements_run()
            ));
        }
        PlainText(text)
    }

    /// Liveness: the process serves requests; no dependency is touched.
    #[oai(path = "/livez", method = "get")]
    async fn livez(&self) -> Json<Status> {
        Json(Status {
            status: "alive".to_owned(),
        })
    }
}

/// Mounts an API with its Swagger UI at `/docs` and its spec at `/openapi.json`, the spec
/// completed by `docs` (errors, constraints: see [`ApiDocs`]); 405s carry `Allow`.
pub fn with_docs<T>(service: OpenApiService<T, ()>, docs: ApiDocs) -> Route
where
    T: OpenApi + 'static,
{
    let generated = service.spec();
    let spec = docs.complete(&generated);
    let completed = spec.to_string();
    // The UI embeds the document it was made with: swap in the completed one.
    let ui = service.swagger_ui_html().replace(&generated, &completed);
    let allow = AllowHeader::from_spec(&spec);
    Route::new()
        .nest("/docs", poem::get(make_sync(move |_| Html(ui.clone()))))
        .at(
            "/openapi.json",
            poem::get(make_sync(move |_| {
                completed
                    .clone()
                    .with_content_type("application/json; charset=utf-8")
            })),
        )
        .nest("/", service.with(allow))
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

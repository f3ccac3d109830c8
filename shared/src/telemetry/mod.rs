//! Logs and traces.
//!
//! Logs: one JSON object per line on stdout, shaped for Cloud Logging: `severity`,
//! `message`, `time`, the event's fields, and `logging.googleapis.com/trace` /
//! `logging.googleapis.com/spanId` when the event happens inside a traced request.
//!
//! Traces: OpenTelemetry with W3C `traceparent` propagation in and out; spans are
//! exported over OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, but trace ids
//! exist either way so logs and mail jobs carry them. [`TelemetryGuard::shutdown`]
//! flushes what is buffered.

use std::{collections::HashMap, io::Write, time::Instant};

use opentelemetry::{
    global,
    propagation::Extractor,
    trace::{TraceContextExt, TracerProvider as _},
};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result, http::HeaderMap};
use serde_json::{Map, Value};
use tracing::{Event, Instrument, Level, Subscriber, field::Field, span};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{
    EnvFilter, Layer, fmt::MakeWriter, layer::Context, prelude::*, registry::LookupSpan,
};

/// Keeps the tracer provider alive; call [`TelemetryGuard::shutdown`] before exit.
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl TelemetryGuard {
    /// Flushes and stops span export. End request spans first: open spans are not sent.
    pub fn shutdown(self) {
        if let Err(err) = self.provider.shutdown() {
            tracing::warn!(error = %err, "trace export did not flush cleanly");
        }
    }
}

/// Installs logging and tracing for `service`. Call before starting the async runtime:
/// the OTLP exporter's blocking HTTP client must not be built inside it.
pub fn init(service: &'static str) -> TelemetryGuard {
    install(service, true)
}

/// Tracing without log output, for tests: trace ids and propagation work exactly as in a
/// service, without JSON lines interleaved with the test harness's output.
pub fn init_without_logs(service: &'static str) -> TelemetryGuard {
    install(service, false)
}

fn install(service: &'static str, logs: bool) -> TelemetryGuard {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let resource = Resource::builder().with_service_name(service).build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    let exporting = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").is_ok_and(|v| !v.is_empty());
    let mut export_error = None;
    if exporting {
        match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => builder = builder.with_batch_exporter(exporter),
            Err(err) => export_error = Some(err.to_string()),
        }
    }
    let provider = builder.build();
    global::set_tracer_provider(provider.clone());
    let tracer = provider.tracer(service);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let log_layer = logs.then(|| CloudLoggingLayer::new(service));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(log_layer)
        .try_init();
    if let Some(err) = export_error {
        tracing::error!(error = %err, "OTLP exporter could not be built; traces are not exported");
    }
    TelemetryGuard { provider }
}

/// The current span's context as a W3C `traceparent` value, for outgoing jobs.
pub fn current_traceparent() -> Option<String> {
    let context = tracing::Span::current().context();
    let mut carrier = HashMap::new();
    global::get_text_map_propagator(|p| p.inject_context(&context, &mut carrier));
    carrier.remove("traceparent")
}

/// Makes `span` a child of the trace in `traceparent` (a queue job continuing a request).
pub fn continue_trace(span: &tracing::Span, traceparent: &str) {
    let carrier = HashMap::from([("traceparent".to_owned(), traceparent.to_owned())]);
    let parent = global::get_text_map_propagator(|p| p.extract(&carrier));
    let _ = span.set_parent(parent);
    record_trace_ids(span);
}

struct HeaderCarrier<'a>(&'a HeaderMap);

impl Extractor for HeaderCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Copies the OpenTelemetry ids of `span` into its `trace_id`/`span_id` fields, where the
/// log layer finds them.
fn record_trace_ids(span: &tracing::Span) {
    let context = span.context();
    let otel_span = context.span();
    let ids = otel_span.span_context();
    if ids.is_valid() {
        span.record("trace_id", ids.trace_id().to_string());
        span.record("span_id", ids.span_id().to_string());
    }
}

/// Middleware: one server span per request, continuing an incoming `traceparent`.
pub struct RequestTracing;

impl<E: Endpoint> Middleware<E> for RequestTracing {
    type Output = RequestTracingEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestTracingEndpoint { inner }
    }
}

/// Endpoint produced by [`RequestTracing`].
pub struct RequestTracingEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestTracingEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let parent = global::get_text_map_propagator(|p| p.extract(&HeaderCarrier(req.headers())));
        let span = tracing::info_span!(
            "request",
            otel.name = %format_args!("{} {}", req.method(), req.uri().path()),
            otel.kind = "server",
            http.request.method = %req.method(),
            url.path = %req.uri().path(),
            http.response.status_code = tracing::field::Empty,
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty,
        );
        let _ = span.set_parent(parent);
        record_trace_ids(&span);
        let started = Instant::now();
        let response = async {
            match self.inner.call(req).await {
                Ok(output) => output.into_response(),
                Err(err) => err.into_response(),
            }
        }
        .instrument(span.clone())
        .await;
        let status = response.status().as_u16();
        span.record("http.response.status_code", status);
        tracing::debug!(parent: &span, status, latency_ms = started.elapsed().as_millis() as u64, "request completed");
        Ok(response)
    }
}

/// Writes events as Cloud Logging JSON lines.
struct CloudLoggingLayer<W = fn() -> std::io::Stdout> {
    service: &'static str,
    project: Option<String>,
    make_writer: W,
}

impl CloudLoggingLayer {
    fn new(service: &'static str) -> Self {
        Self {
            service,
            project: std::env::var("GOOGLE_CLOUD_PROJECT")
                .ok()
                .filter(|p| !p.is_empty()),
            make_writer: std::io::stdout,
        }
    }
}

/// The ids a span recorded with [`record_trace_ids`].
#[derive(Default, Clone)]
struct TraceIds {
    trace_id: Option<String>,
    span_id: Option<String>,
}

struct TraceIdVisitor<'a>(&'a mut TraceIds);

impl tracing::field::Visit for TraceIdVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "trace_id" => self.0.trace_id = Some(value.to_owned()),
            "span_id" => self.0.span_id = Some(value.to_owned()),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl tracing::field::Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The whole cause chain, so a 5xx is diagnosable from one line.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.0.insert(field.name().to_owned(), Value::from(text));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::from(format!("{value:?}")));
    }
}

fn severity(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

impl<S, W> Layer<S> for CloudLoggingLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut ids = TraceIds::default();
        attrs.record(&mut TraceIdVisitor(&mut ids));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(ids);
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(ids) = extensions.get_mut::<TraceIds>() {
                values.record(&mut TraceIdVisitor(ids));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        let mut line = Map::new();
        line.insert("severity".into(), severity(event.metadata().level()).into());
        line.insert(
            "message".into(),
            fields.remove("message").unwrap_or_else(|| Value::from("")),
        );
        line.insert("time".into(), chrono::Utc::now().to_rfc3339().into());
        line.insert("service".into(), self.service.into());
        line.insert("target".into(), event.metadata().target().into());
        let ids = ctx.event_scope(event).and_then(|scope| {
            scope
                .filter_map(|span| span.extensions().get::<TraceIds>().cloned())
                .find(|ids| ids.trace_id.is_some())
        });
        if let Some(TraceIds {
            trace_id: Some(trace_id),
            span_id,
        }) = ids
        {
            let trace = match &self.project {
                Some(project) => format!("projects/{project}/traces/{trace_id}"),
                None => trace_id,
            };
            line.insert("logging.googleapis.com/trace".into(), trace.into());
            if let Some(span_id) = span_id {
                line.insert("logging.googleapis.com/spanId".into(), span_id.into());
            }
        }
        line.extend(fields);
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        // One write per line keeps lines whole when threads log at once.
        let _ = self.make_writer.make_writer().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests;

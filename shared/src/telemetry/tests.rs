use std::sync::{Arc, Mutex};

use super::*;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn capture(project: Option<&str>, emit: impl FnOnce()) -> Vec<Value> {
    let buffer = Buffer::default();
    let layer = CloudLoggingLayer {
        service: "folio-test",
        project: project.map(str::to_owned),
        make_writer: buffer.clone(),
    };
    let provider = SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
        .with(layer);
    tracing::subscriber::with_default(subscriber, emit);
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn events_become_one_json_line_with_severity_and_message() {
    let lines = capture(None, || {
        tracing::warn!(user_id = 7, "something odd");
        tracing::error!("broken");
    });
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["severity"], "WARNING");
    assert_eq!(lines[0]["message"], "something odd");
    assert_eq!(lines[0]["user_id"], 7);
    assert_eq!(lines[0]["service"], "folio-test");
    assert_eq!(lines[1]["severity"], "ERROR");
    assert!(lines[0].get("logging.googleapis.com/trace").is_none());
}

#[test]
fn events_inside_a_continued_trace_carry_its_ids_for_cloud_logging() {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let lines = capture(Some("folio-prod"), || {
        let span = tracing::info_span!(
            "job",
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty
        );
        continue_trace(&span, &format!("00-{trace_id}-00f067aa0ba902b7-01"));
        span.in_scope(|| tracing::info!("sending"));
    });
    assert_eq!(
        lines[0]["logging.googleapis.com/trace"],
        format!("projects/folio-prod/traces/{trace_id}")
    );
    let span_id = lines[0]["logging.googleapis.com/spanId"].as_str().unwrap();
    assert_eq!(span_id.len(), 16);
    assert_ne!(span_id, "00f067aa0ba902b7");
}

#[test]
fn errors_are_logged_with_their_whole_cause_chain() {
    let err = anyhow::anyhow!("root cause").context("outer failure");
    let as_std: &(dyn std::error::Error + 'static) = err.as_ref();
    let lines = capture(None, || tracing::error!(error = as_std, "failed"));
    assert_eq!(lines[0]["error"], "outer failure: root cause");
}

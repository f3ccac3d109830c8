//! The child spans below a request: each statement and each pool checkout is one, named,
//! with its statement mode, and never with a parameter's value.

use std::sync::{Arc, Mutex};

use folio_shared::{
    db::{Db, Queryable, Sql, StatementMode},
    test_utils::TestDb,
};
use tokio_postgres::types::Type;
use tracing::{
    Subscriber,
    field::{Field, Visit},
    span,
};
use tracing_subscriber::{Layer, layer::Context, prelude::*, registry::LookupSpan};

/// A span's fields, as (name, value as text).
type Fields = Vec<(String, String)>;

/// Every span opened while it is the default subscriber: its name and its fields.
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<(String, Fields)>>>);

struct FieldVisitor<'a>(&'a mut Fields);

impl Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorded {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut FieldVisitor(&mut fields));
        let name = attrs.metadata().name().to_owned();
        self.0.lock().unwrap().push((name, fields));
    }
}

impl Recorded {
    fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim_matches('"'))
    }
}

const SECRET_LOOKUP: Sql = Sql::new("select id from users where email = $1", &[Type::VARCHAR]);

#[tokio::test]
async fn every_statement_and_checkout_is_a_span_without_parameter_values() {
    let db = TestDb::create().await;
    let recorded = Recorded::default();
    let _default = tracing_subscriber::registry()
        .with(recorded.clone())
        .set_default();

    for mode in [StatementMode::Prepared, StatementMode::Unnamed] {
        let pool = Db::connect_lazy(db.url(), 1, mode).unwrap();
        let mut conn = pool.conn().await.unwrap();
        conn.query(&SECRET_LOOKUP, &[&"hunter2@example.com"])
            .await
            .unwrap();
        let tx = conn.transaction().await.unwrap();
        tx.commit().await.unwrap();
    }

    let spans = recorded.0.lock().unwrap().clone();
    let names: Vec<(&str, Option<&str>, Option<&str>)> = spans
        .iter()
        .map(|(name, fields)| {
            (
                name.as_str(),
                Recorded::field(fields, "otel.name"),
                Recorded::field(fields, "db.statement.mode"),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("db.checkout", Some("db pool checkout"), None),
            ("db.statement", Some("select users"), Some("prepared")),
            ("db.statement", Some("begin"), Some("prepared")),
            ("db.statement", Some("commit"), Some("prepared")),
            ("db.checkout", Some("db pool checkout"), None),
            ("db.statement", Some("select users"), Some("unnamed")),
            ("db.statement", Some("begin"), Some("unnamed")),
            ("db.statement", Some("commit"), Some("unnamed")),
        ]
    );
    for (_, fields) in &spans {
        assert!(
            fields.iter().all(|(_, value)| !value.contains("hunter2")),
            "a parameter value in {fields:?}"
        );
    }
}

//! Child spans of the request span: one per statement and one per wait for a pooled
//! connection, so a slow request shows which statement (or the pool) took the time.
//!
//! They are `DEBUG` spans under this module's target, which the default filter
//! (`RUST_LOG=info`) drops: a disabled span is one cached check at its call site, and its
//! fields (the label below is built from the statement text) are never computed. Measured
//! behind `EnvFilter("info")` and the OpenTelemetry layer, as `telemetry` installs them
//! (release build, this 2-core machine): about 3 ns per disabled span, instrumented future
//! included. A posts request opens two or three, so at ~50k requests a second they cost
//! well under a thousandth of a core. `RUST_LOG=info,folio=debug` (or
//! `folio_shared::db=debug`) turns them on (docs/operations.md#traces).

use tracing::Span;

use super::{Sql, StatementMode};

impl StatementMode {
    /// How the statement travels, as a span field.
    fn as_str(self) -> &'static str {
        match self {
            StatementMode::Prepared => "prepared",
            StatementMode::Unnamed => "unnamed",
        }
    }
}

/// The span of one statement: named by its label ([`Sql::named`] or "select users"),
/// with the statement mode and the text, whose values are `$n` parameters and never
/// recorded.
pub(super) fn statement(sql: &Sql, mode: StatementMode) -> Span {
    tracing::debug_span!(
        "db.statement",
        otel.name = %sql.label(),
        otel.kind = "client",
        db.system.name = "postgresql",
        db.statement.mode = mode.as_str(),
        db.query.text = sql.text(),
    )
}

/// The span of a transaction's `begin` or `commit`, statements of their own.
pub(super) fn transaction(step: &'static str, mode: StatementMode) -> Span {
    tracing::debug_span!(
        "db.statement",
        otel.name = step,
        otel.kind = "client",
        db.system.name = "postgresql",
        db.statement.mode = mode.as_str(),
    )
}

/// The span of waiting for a connection (a free one, or a new one opened).
pub(super) fn checkout() -> Span {
    tracing::debug_span!("db.checkout", otel.name = "db pool checkout")
}

impl Sql {
    /// The name spans show: the one given with [`Sql::named`], else the operation and the
    /// first table it names ("select users", "insert into mail_outbox").
    pub fn label(&self) -> String {
        if let Some(name) = self.name {
            return name.to_owned();
        }
        let mut words = self.text.split_whitespace();
        let operation = words.next().unwrap_or_default().to_ascii_lowercase();
        let keyword = match operation.as_str() {
            "insert" => "into",
            "update" => return summary(&operation, words.next()),
            _ => "from",
        };
        let table = words
            .skip_while(|word| !word.eq_ignore_ascii_case(keyword))
            .nth(1);
        summary(&operation, table)
    }
}

fn summary(operation: &str, table: Option<&str>) -> String {
    let table = table
        .map(|t| t.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')))
        .filter(|t| !t.is_empty());
    match table {
        Some(table) => format!("{operation} {table}"),
        None => operation.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_labelled_by_its_operation_and_first_table() {
        let cases = [
            ("select id from users where id = $1", "select users"),
            (
                "insert into mail_outbox (id, payload) values ($1, $2)",
                "insert mail_outbox",
            ),
            (
                "update mail_outbox set queued_at = now() where id = $1",
                "update mail_outbox",
            ),
            ("delete from posts where id = $1", "delete posts"),
            ("select pg_sleep(5)", "select"),
            ("SELECT count(*) FROM (posts)", "select posts"),
        ];
        for (text, label) in cases {
            assert_eq!(Sql::new(text, &[]).label(), label, "{text}");
        }
    }

    #[test]
    fn a_named_statement_is_labelled_by_its_name() {
        const FEED: Sql =
            Sql::new("with page as (select 1) select * from page", &[]).named("feed page");

        assert_eq!(FEED.label(), "feed page");
    }
}

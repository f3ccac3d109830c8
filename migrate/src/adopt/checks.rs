//! What adoption checks before it changes anything: that the tables are the FastAPI
//! blog's (no column would be lost, none is missing), that a column Folio has no place
//! for holds nothing but its default, and that the rows fit Folio's constraints. Each
//! refusal is one line saying what to fix.

use std::collections::HashMap;

use anyhow::bail;
use tokio_postgres::{Client, Transaction};

/// The FastAPI blog's tables: columns every version has, and columns some versions lack.
struct LegacyTable {
    name: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    /// Columns some versions have and Folio has no place for: dropped with the old table.
    unused: &'static [UnusedColumn],
}

/// A column of the blog's that Folio drops, which is safe only while every row holds the
/// default the blog itself wrote: then nothing is lost.
struct UnusedColumn {
    name: &'static str,
    /// As `information_schema.columns.data_type` spells it; a column of the same name
    /// and another type is not the course's, and is refused as any unknown column.
    data_type: &'static str,
    /// The default, as a SQL literal.
    default: &'static str,
}

const USERS: LegacyTable = LegacyTable {
    name: "users",
    required: &["id", "username", "email", "password_hash"],
    optional: &["image_file"],
    unused: &[],
};
const POSTS: LegacyTable = LegacyTable {
    name: "posts",
    required: &["id", "title", "content", "user_id", "date_posted"],
    optional: &[],
    // The course's chapter on Alembic adds it ("add likes to posts") and the API never
    // uses it, so a course database at head has it, all zeros; some copies drop it again.
    unused: &[UnusedColumn {
        name: "likes",
        data_type: "integer",
        default: "0",
    }],
};
/// Added by a later lesson of the course: an older database has no such table.
const RESET_TOKENS: LegacyTable = LegacyTable {
    name: "password_reset_tokens",
    required: &["id", "user_id", "token_hash", "expires_at"],
    optional: &["created_at"],
    unused: &[],
};
const ALEMBIC: LegacyTable = LegacyTable {
    name: "alembic_version",
    required: &["version_num"],
    optional: &[],
    unused: &[],
};

/// The tables and columns found, as far as the copy needs to know.
pub(super) struct Shape {
    /// Column types, by `table.column`, for the timestamp conversions.
    types: HashMap<String, String>,
    /// Whether `users.image_file` exists.
    pub users_have_image_file: bool,
    /// `None` without a reset-token table, else whether it has `created_at`.
    pub tokens_created_at: Option<bool>,
    /// The unused columns present, with their table.
    unused: Vec<(&'static str, &'static UnusedColumn)>,
}

impl Shape {
    /// The legacy tables present, parents first.
    pub fn tables(&self) -> impl Iterator<Item = &'static str> {
        let tokens = self.tokens_created_at.map(|_| RESET_TOKENS.name);
        [USERS.name, POSTS.name]
            .into_iter()
            .chain(tokens)
            .chain([ALEMBIC.name])
    }

    /// An expression reading `table.column` (of the legacy schema) as `timestamptz`:
    /// SQLAlchemy's `DateTime` without `timezone=True` stored naive UTC times.
    pub fn timestamp(&self, table: &str, column: &str) -> String {
        match self
            .types
            .get(&format!("{table}.{column}"))
            .map(String::as_str)
        {
            Some("timestamp without time zone") => format!("{column} at time zone 'UTC'"),
            _ => column.to_owned(),
        }
    }
}

/// The tables (and views) of the current schema.
pub(super) async fn tables(client: &Client) -> anyhow::Result<Vec<String>> {
    let rows = client
        .query(
            "select table_name::text from information_schema.tables \
             where table_schema = current_schema()",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Checks that the tables are the FastAPI blog's, and nothing more.
pub(super) async fn shape(tx: &Transaction<'_>, tables: &[String]) -> anyhow::Result<Shape> {
    let known = [&USERS, &POSTS, &RESET_TOKENS, &ALEMBIC];
    if let Some(other) = tables.iter().find(|t| known.iter().all(|k| k.name != *t)) {
        bail!(
            "table `{other}` is not part of the FastAPI blog's schema and adopting would leave \
             it behind; move or drop it first"
        );
    }
    let rows = tx
        .query(
            "select table_name::text, column_name::text, data_type::text \
             from information_schema.columns where table_schema = current_schema()",
            &[],
        )
        .await?;
    let types: HashMap<String, String> = rows
        .iter()
        .map(|r| {
            let (table, column): (String, String) = (r.get(0), r.get(1));
            (format!("{table}.{column}"), r.get(2))
        })
        .collect();
    let has_tokens = tables.iter().any(|t| t == RESET_TOKENS.name);
    let mut unused = Vec::new();
    for table in known {
        let present = tables.iter().any(|t| t == table.name);
        if !present && table.name != RESET_TOKENS.name {
            bail!(
                "table `{}` is missing: this is not the FastAPI blog's schema",
                table.name
            );
        }
        if present {
            check_columns(table, &types)?;
            unused.extend(
                table
                    .unused
                    .iter()
                    .filter(|c| is_unused(table, c.name, &types))
                    .map(|c| (table.name, c)),
            );
        }
    }
    Ok(Shape {
        users_have_image_file: types.contains_key("users.image_file"),
        tokens_created_at: has_tokens
            .then(|| types.contains_key("password_reset_tokens.created_at")),
        types,
        unused,
    })
}

fn check_columns(table: &LegacyTable, types: &HashMap<String, String>) -> anyhow::Result<()> {
    for column in table.required {
        if !types.contains_key(&format!("{}.{column}", table.name)) {
            bail!(
                "column `{}.{column}` is missing: this is not the FastAPI blog's schema",
                table.name
            );
        }
    }
    let prefix = format!("{}.", table.name);
    for key in types.keys() {
        let Some(column) = key.strip_prefix(&prefix) else {
            continue;
        };
        if !table.required.contains(&column)
            && !table.optional.contains(&column)
            && !is_unused(table, column, types)
        {
            bail!("column `{key}` is not part of the FastAPI blog's schema and would be lost");
        }
    }
    Ok(())
}

/// Whether `column` is one of the table's unused columns, with the type the blog gave it.
fn is_unused(table: &LegacyTable, column: &str, types: &HashMap<String, String>) -> bool {
    table.unused.iter().any(|c| {
        c.name == column
            && types
                .get(&format!("{}.{column}", table.name))
                .map(String::as_str)
                == Some(c.data_type)
    })
}

/// Refuses when an unused column holds anything but its default, as that would be lost;
/// run under the lock, so the old application cannot write one after the check.
pub(super) async fn unused_columns_hold_only_defaults(
    tx: &Transaction<'_>,
    shape: &Shape,
) -> anyhow::Result<()> {
    for (table, column) in &shape.unused {
        let (name, default) = (column.name, column.default);
        let held: i64 = tx
            .query_one(
                &format!("select count(*) from {table} where {name} is distinct from {default}"),
                &[],
            )
            .await?
            .get(0);
        if held > 0 {
            let rows = if held == 1 { "row" } else { "rows" };
            bail!(
                "column `{table}.{name}` holds a value other than {default} in {held} {rows}, \
                 which adopting would lose (Folio has no such column); save them elsewhere \
                 and set them to {default} first"
            );
        }
    }
    Ok(())
}

/// Folio keeps usernames and emails unique regardless of letter case (the blog only
/// compared them so in code): two rows that differ only in case must be resolved by hand.
pub(super) async fn case_insensitive_uniqueness(tx: &Transaction<'_>) -> anyhow::Result<()> {
    for (column, what) in [("email", "email"), ("username", "username")] {
        let clash = tx
            .query_opt(
                &format!(
                    "select array_agg(id::bigint order by id) from users \
                     group by lower({column}) having count(*) > 1 order by min(id) limit 1"
                ),
                &[],
            )
            .await?;
        if let Some(row) = clash {
            let ids: Vec<i64> = row.get(0);
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            bail!(
                "users {} have the same {what} apart from letter case, which Folio keeps \
                 unique regardless of case; change or merge them first",
                ids.join(", ")
            );
        }
    }
    Ok(())
}

//! Keyset positions in a feed. `?skip=` must read and throw away every skipped post, so a
//! deep page costs time in proportion to its depth; a cursor names the last post a client
//! has seen, and the next page starts right after it in the feed index, at the same cost at
//! any depth. The text form is `<date_posted in µs since the epoch>_<id>`: opaque to
//! clients, readable in logs.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Datelike, Utc};
use folio_shared::validation::Pattern;

/// A cursor as written, for the OpenAPI document: microseconds and id. Sixteen digits keep
/// the date within the years [`FeedCursor`] accepts (1 to 9999); longer forms that also
/// parse are not advertised.
pub const PATTERN: Pattern = Pattern("^[+-]?[0-9]{1,16}_[+-]?[0-9]{1,18}$");

/// A post's place in feed order (newest first, id as tie-break).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedCursor {
    /// The post's `date_posted`.
    pub date_posted: DateTime<Utc>,
    /// The post's id.
    pub id: i64,
}

impl fmt::Display for FeedCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.date_posted.timestamp_micros(), self.id)
    }
}

/// A cursor that is not one this service wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidCursor;

impl FromStr for FeedCursor {
    type Err = InvalidCursor;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (micros, id) = text.split_once('_').ok_or(InvalidCursor)?;
        let (Ok(micros), Ok(id)) = (micros.parse::<i64>(), id.parse::<i64>()) else {
            return Err(InvalidCursor);
        };
        let date_posted = DateTime::from_timestamp_micros(micros)
            // Postgres refuses timestamps far outside these years with an error, not a
            // match; no post is dated there.
            .filter(|date| (1..=9999).contains(&date.year()))
            .ok_or(InvalidCursor)?;
        Ok(Self { date_posted, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_itself() {
        let cursor = FeedCursor {
            date_posted: DateTime::from_timestamp_micros(1_732_700_000_123_456).unwrap(),
            id: 42,
        };

        assert_eq!(cursor.to_string(), "1732700000123456_42");
        assert_eq!(cursor.to_string().parse(), Ok(cursor));
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "_",
            "12",
            "12_",
            "_12",
            "a_1",
            "1_b",
            "1_2_3",
            "9223372036854775807_1",
            "-99999999999999999_1",
        ] {
            assert_eq!(text.parse::<FeedCursor>(), Err(InvalidCursor), "{text:?}");
        }
    }
}

//! Field rules, each declared once by the service that owns the field: the
//! [`Validator`](super::Validator) (or [`IntRule::check_query`]) checks a value against
//! its rule, and [`SchemaRule::schema`] writes the JSON Schema keywords the OpenAPI
//! document states for it (listed in a service's `ApiDocs`), so a changed limit changes
//! both the answer and the document.

use std::fmt;

use serde_json::{Map, Value};

use super::ValidationErrors;

/// A rule the OpenAPI document states as JSON Schema keywords.
pub trait SchemaRule: fmt::Debug + Sync {
    /// The keywords, e.g. `{"minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*$"}`.
    fn schema(&self) -> Map<String, Value>;
}

/// Characters a text field refuses, and the 422 failure that says so.
#[derive(Debug, Clone, Copy)]
pub struct ForbiddenChars {
    /// Inclusive ranges, within the Basic Multilingual Plane: the document's `pattern` is
    /// written in ECMA syntax, whose `\uXXXX` escapes reach no further.
    pub ranges: &'static [(char, char)],
    /// The failure's `msg`.
    pub msg: &'static str,
    /// The failure's `type` (pydantic's name for it).
    pub kind: &'static str,
}

/// NUL, which Postgres text cannot store, with pydantic's message for it.
pub const NUL: ForbiddenChars = ForbiddenChars {
    ranges: &[('\0', '\0')],
    msg: "String should not contain NUL characters",
    kind: "string_nul",
};

impl ForbiddenChars {
    /// Whether `c` is refused.
    pub fn contains(&self, c: char) -> bool {
        self.ranges
            .iter()
            .any(|&(low, high)| (low..=high).contains(&c))
    }

    /// The JSON Schema `pattern` of a text free of these characters (`\uXXXX` escapes,
    /// which schemathesis reads as Python's `re` does).
    pub fn pattern(&self) -> String {
        let escape = |c: char| format!("\\u{:04x}", u32::from(c));
        let class: String = self
            .ranges
            .iter()
            .map(|&(low, high)| match low == high {
                true => escape(low),
                false => format!("{}-{}", escape(low), escape(high)),
            })
            .collect();
        format!("^[^{class}]*$")
    }
}

/// A text field: its length in characters (Unicode scalar values, as Python counts them)
/// and the characters it refuses (at least NUL).
#[derive(Debug, Clone, Copy)]
pub struct TextRule {
    /// Fewest characters.
    pub min_chars: usize,
    /// Most characters, if bounded.
    pub max_chars: Option<usize>,
    /// Refused characters, checked before the length.
    pub forbidden: ForbiddenChars,
}

impl TextRule {
    /// `min_chars` to `max_chars` characters, no NUL.
    pub const fn new(min_chars: usize, max_chars: Option<usize>) -> Self {
        Self {
            min_chars,
            max_chars,
            forbidden: NUL,
        }
    }

    /// The same lengths, refusing `forbidden` (which should include NUL) instead.
    pub const fn forbidding(self, forbidden: ForbiddenChars) -> Self {
        Self { forbidden, ..self }
    }
}

impl SchemaRule for TextRule {
    fn schema(&self) -> Map<String, Value> {
        let mut schema = Map::new();
        if self.min_chars > 0 {
            schema.insert("minLength".into(), self.min_chars.into());
        }
        if let Some(max) = self.max_chars {
            schema.insert("maxLength".into(), max.into());
        }
        schema.insert("pattern".into(), self.forbidden.pattern().into());
        schema
    }
}

/// An email address of at most `max_chars` characters (see [`super::Validator::email`]).
#[derive(Debug, Clone, Copy)]
pub struct EmailRule {
    /// Most characters.
    pub max_chars: usize,
}

impl SchemaRule for EmailRule {
    fn schema(&self) -> Map<String, Value> {
        let mut schema = Map::new();
        schema.insert("format".into(), "email".into());
        schema.insert("maxLength".into(), self.max_chars.into());
        schema
    }
}

/// An integer query parameter's bounds.
#[derive(Debug, Clone, Copy)]
pub struct IntRule {
    /// Smallest value.
    pub min: i64,
    /// Largest value, if bounded.
    pub max: Option<i64>,
}

impl IntRule {
    /// Query parameter `name` must be within the bounds; the 422 carries pydantic's
    /// message for the first bound it breaks.
    pub fn check_query(&self, name: &str, value: i64) -> Result<(), ValidationErrors> {
        let loc = || vec!["query".to_owned(), name.to_owned()];
        if value < self.min {
            let msg = format!("Input should be greater than or equal to {}", self.min);
            return Err(ValidationErrors::single(loc(), msg, "greater_than_equal"));
        }
        if let Some(max) = self.max.filter(|max| value > *max) {
            let msg = format!("Input should be less than or equal to {max}");
            return Err(ValidationErrors::single(loc(), msg, "less_than_equal"));
        }
        Ok(())
    }

    /// Whether `value` is within the bounds.
    pub fn contains(&self, value: i64) -> bool {
        value >= self.min && self.max.is_none_or(|max| value <= max)
    }
}

impl SchemaRule for IntRule {
    fn schema(&self) -> Map<String, Value> {
        let mut schema = Map::new();
        schema.insert("minimum".into(), self.min.into());
        if let Some(max) = self.max {
            schema.insert("maximum".into(), max.into());
        }
        schema
    }
}

/// A `pattern` the document states for a field whose own parser is the check (and may
/// accept more than the pattern advertises).
#[derive(Debug, Clone, Copy)]
pub struct Pattern(pub &'static str);

impl SchemaRule for Pattern {
    fn schema(&self) -> Map<String, Value> {
        let mut schema = Map::new();
        schema.insert("pattern".into(), self.0.into());
        schema
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_rules_state_their_lengths_and_refused_characters() {
        let title = TextRule::new(1, Some(100)).schema();
        assert_eq!(
            Value::Object(title),
            json!({"minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*$"})
        );
        let password = TextRule::new(8, None).schema();
        assert_eq!(
            Value::Object(password),
            json!({"minLength": 8, "pattern": "^[^\\u0000]*$"})
        );
    }

    #[test]
    fn a_forbidden_set_renders_ranges_and_single_characters() {
        let set = ForbiddenChars {
            ranges: &[
                ('\0', '\u{1f}'),
                ('\u{ad}', '\u{ad}'),
                ('\u{fff9}', '\u{fffb}'),
            ],
            ..NUL
        };
        assert_eq!(set.pattern(), "^[^\\u0000-\\u001f\\u00ad\\ufff9-\\ufffb]*$");
        assert!(set.contains('\u{fffb}') && !set.contains('\u{fffc}'));
    }

    #[test]
    fn email_and_int_rules_state_their_keywords() {
        let email = EmailRule { max_chars: 120 }.schema();
        assert_eq!(
            Value::Object(email),
            json!({"format": "email", "maxLength": 120})
        );
        let skip = IntRule { min: 0, max: None }.schema();
        assert_eq!(Value::Object(skip), json!({"minimum": 0}));
    }

    #[test]
    fn int_rules_answer_with_pydantic_messages_for_the_first_broken_bound() {
        let limit = IntRule {
            min: 1,
            max: Some(100),
        };
        assert!(limit.check_query("limit", 100).is_ok() && limit.contains(1));
        let low = limit.check_query("limit", 0).unwrap_err();
        assert_eq!(low.0[0].loc, ["query", "limit"]);
        assert_eq!(low.0[0].msg, "Input should be greater than or equal to 1");
        assert_eq!(low.0[0].kind, "greater_than_equal");
        let high = limit.check_query("limit", 101).unwrap_err();
        assert_eq!(high.0[0].msg, "Input should be less than or equal to 100");
        assert_eq!(high.0[0].kind, "less_than_equal");
        assert!(!limit.contains(101));
    }
}

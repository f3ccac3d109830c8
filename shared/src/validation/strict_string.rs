//! A request field that must be a JSON string. poem-openapi's `String` also takes `7` and
//! `false` (stored as "7" and "false"); pydantic, and so the FastAPI blog, answers 422.

use std::{borrow::Cow, fmt, ops::Deref};

use poem_openapi::{
    registry::MetaSchemaRef,
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

/// A JSON string, and nothing that merely converts to one.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct StrictString(pub String);

impl StrictString {
    /// The text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Deref for StrictString {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

// Request types carry passwords: `Debug` never shows the text.
impl fmt::Debug for StrictString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StrictString({} chars)", self.0.chars().count())
    }
}

impl Type for StrictString {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        String::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        String::schema_ref()
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromJSON for StrictString {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => Ok(Self(text)),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

impl ToJSON for StrictString {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_a_json_string_parses() {
        assert_eq!(
            StrictString::parse_from_json(Some(json!("ann"))).ok(),
            Some(StrictString("ann".into()))
        );
        for value in [
            json!(7),
            json!(false),
            json!(1.5),
            json!(null),
            json!([]),
            json!({}),
        ] {
            assert!(
                StrictString::parse_from_json(Some(value.clone())).is_err(),
                "{value}"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_text() {
        assert_eq!(
            format!("{:?}", StrictString("secret password".into())),
            "StrictString(15 chars)"
        );
    }
}

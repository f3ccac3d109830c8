//! Field checks whose failures render as FastAPI's 422 body,
//! `{"detail": [{"loc": ["body", "username"], "msg": "...", "type": "..."}]}`, with
//! pydantic's messages so existing frontends show the same text. Each limit is a rule
//! ([`TextRule`], [`EmailRule`], [`IntRule`]) declared once by the service that owns the
//! field; the check and the OpenAPI schema both come from it (see [`SchemaRule`]).

use poem::{IntoResponse, Response, error::ResponseError, http::StatusCode};
use serde::Serialize;

mod rules;
mod strict_string;

pub use rules::{EmailRule, ForbiddenChars, IntRule, NUL, Pattern, SchemaRule, TextRule};
pub use strict_string::StrictString;

/// One failed check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// Where the bad value is, e.g. `["body", "email"]`.
    pub loc: Vec<String>,
    /// What is wrong, for people.
    pub msg: String,
    /// What is wrong, for programs (pydantic's error type).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A 422 answer listing every failed check of a request.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("request validation failed")]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// One failure at `loc`.
    pub fn single(loc: Vec<String>, msg: impl Into<String>, kind: &str) -> Self {
        Self(vec![FieldError {
            loc,
            msg: msg.into(),
            kind: kind.to_owned(),
        }])
    }
}

impl ResponseError for ValidationErrors {
    fn status(&self) -> StatusCode {
        StatusCode::UNPROCESSABLE_ENTITY
    }

    fn as_response(&self) -> Response {
        let body = serde_json::json!({ "detail": self.0 });
        Response::builder()
            .status(StatusCode::UNPROCESSABLE_ENTITY)
            .content_type("application/json")
            .body(body.to_string())
    }
}

impl IntoResponse for ValidationErrors {
    fn into_response(self) -> Response {
        self.as_response()
    }
}

/// Collects failures of one request body, then reports them all at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// A validator with no failures yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&mut self, field: &str, msg: String, kind: &str) {
        self.errors.push(FieldError {
            loc: vec!["body".to_owned(), field.to_owned()],
            msg,
            kind: kind.to_owned(),
        });
    }

    /// `value` must follow `rule`: none of its forbidden characters, then its length.
    pub fn text(&mut self, field: &str, value: &str, rule: &TextRule) -> &mut Self {
        let count = value.chars().count();
        if value.chars().any(|c| rule.forbidden.contains(c)) {
            let ForbiddenChars { msg, kind, .. } = rule.forbidden;
            self.fail(field, msg.to_owned(), kind);
        } else if count < rule.min_chars {
            let min = rule.min_chars;
            let unit = if min == 1 { "character" } else { "characters" };
            self.fail(
                field,
                format!("String should have at least {min} {unit}"),
                "string_too_short",
            );
        } else if let Some(max) = rule.max_chars.filter(|max| count > *max) {
            let unit = if max == 1 { "character" } else { "characters" };
            self.fail(
                field,
                format!("String should have at most {max} {unit}"),
                "string_too_long",
            );
        }
        self
    }

    /// `value` must have between `min` and `max` characters and no NUL: a [`TextRule`]
    /// for a field the document does not describe.
    pub fn length(
        &mut self,
        field: &str,
        value: &str,
        min: usize,
        max: Option<usize>,
    ) -> &mut Self {
        self.text(field, value, &TextRule::new(min, max))
    }

    /// Records a failure of a rule the caller checked itself (`kind` as pydantic names
    /// its error types).
    pub fn reject(&mut self, field: &str, msg: impl Into<String>, kind: &str) -> &mut Self {
        self.fail(field, msg.into(), kind);
        self
    }

    /// `value` must look like an email address and have at most `rule.max_chars`
    /// characters.
    pub fn email(&mut self, field: &str, value: &str, rule: &EmailRule) -> &mut Self {
        let max = rule.max_chars;
        if value.chars().count() > max {
            self.length(field, value, 0, Some(max));
        } else if let Err(reason) = check_email(value) {
            self.fail(
                field,
                format!("value is not a valid email address: {reason}"),
                "value_error",
            );
        }
        self
    }

    /// `Ok` when every check passed, else the 422 listing the failures.
    pub fn finish(&mut self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(std::mem::take(&mut self.errors)))
        }
    }
}

/// A pragmatic address check: one `@`, a sensible local part and a dotted domain. Delivery
/// is the real test; this only stops obvious mistakes and header injection.
fn check_email(value: &str) -> Result<(), &'static str> {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err("An email address must have an @-sign.");
    };
    if local.is_empty() {
        return Err("There must be something before the @-sign.");
    }
    if local.len() > 64 || local.contains('@') {
        return Err("The part before the @-sign is not valid.");
    }
    let allowed_local = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    if !local.chars().all(allowed_local)
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return Err("The part before the @-sign contains invalid characters.");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(valid_label) {
        return Err("The domain name is not valid.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_pydantic_messages() {
        let err = Validator::new()
            .length("username", "", 1, Some(50))
            .length("password", "short", 8, None)
            .finish()
            .unwrap_err();
        assert_eq!(err.0[0].msg, "String should have at least 1 character");
        assert_eq!(err.0[0].loc, ["body", "username"]);
        assert_eq!(err.0[1].msg, "String should have at least 8 characters");
        assert_eq!(err.0[1].kind, "string_too_short");
    }

    #[test]
    fn nul_characters_are_refused() {
        let err = Validator::new()
            .length("content", "a\0b", 1, None)
            .finish()
            .unwrap_err();
        assert_eq!(err.0[0].msg, "String should not contain NUL characters");
        assert_eq!(err.0[0].kind, "string_nul");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(
            Validator::new()
                .length("title", &"é".repeat(100), 1, Some(100))
                .finish()
                .is_ok()
        );
        let err = Validator::new()
            .length("title", &"é".repeat(101), 1, Some(100))
            .finish()
            .unwrap_err();
        assert_eq!(err.0[0].msg, "String should have at most 100 characters");
    }

    #[test]
    fn ordinary_addresses_are_accepted() {
        for ok in [
            "a@b.co",
            "first.last+tag@mail.example.org",
            "ünï@exämple.de",
        ] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "plain",
            "@x.com",
            "a@",
            "a@b",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            ".a@b.com",
            "a@b.com\r\nBcc: x@y.z",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn too_long_email_reports_the_length() {
        let long = format!("{}@example.com", "a".repeat(120));
        let err = Validator::new()
            .email("email", &long, &EmailRule { max_chars: 120 })
            .finish()
            .unwrap_err();
        assert_eq!(err.0[0].kind, "string_too_long");
    }
}

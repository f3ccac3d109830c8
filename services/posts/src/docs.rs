//! What the generated OpenAPI document cannot know (see `folio_shared::http::ApiDocs`):
//! the error statuses of each operation, from [`PostsError`](crate::error::PostsError),
//! and which field or paging parameter each rule checks (the rules are declared with
//! their checks: [`crate::posts`], [`crate::feeds`], [`crate::cursor`]).

use folio_shared::http::{ApiDocs, FieldRules, OperationErrors, ParamRules};

use crate::{
    cursor,
    feeds::{LIMIT, SKIP},
    posts::{CONTENT, TITLE},
};

/// Every operation touches Postgres, so each may answer 503 while it is unreachable.
const ERRORS: &[OperationErrors] = &[
    OperationErrors::new("get", "/api/posts", &[503]),
    OperationErrors::new("get", "/api/users/{id}/posts", &[404, 503]),
    OperationErrors::new("post", "/api/posts", &[429, 503]),
    OperationErrors::new("get", "/api/posts/{id}", &[404, 503]),
    OperationErrors::new("put", "/api/posts/{id}", &[403, 404, 503]),
    OperationErrors::new("patch", "/api/posts/{id}", &[403, 404, 503]),
    OperationErrors::new("delete", "/api/posts/{id}", &[403, 404, 503]),
];

const RULES: &[FieldRules] = &[
    ("PostCreate", "title", &TITLE),
    ("PostCreate", "content", &CONTENT),
    ("PostUpdate", "title", &TITLE),
    ("PostUpdate", "content", &CONTENT),
];

const PARAMS: &[ParamRules] = &[
    ("get", "/api/posts", "skip", &SKIP),
    ("get", "/api/posts", "limit", &LIMIT),
    ("get", "/api/users/{id}/posts", "skip", &SKIP),
    ("get", "/api/users/{id}/posts", "limit", &LIMIT),
    ("get", "/api/posts", "cursor", &cursor::PATTERN),
    ("get", "/api/users/{id}/posts", "cursor", &cursor::PATTERN),
];

/// The posts service's additions to its document.
pub const DOCS: ApiDocs = ApiDocs {
    errors: ERRORS,
    rules: RULES,
    params: PARAMS,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// 100000 as a reader writes it: 100,000.
    fn with_commas(n: &serde_json::Value) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        out
    }

    /// A field's `///` line, its description in the document, repeats its limits in words
    /// (a doc comment cannot read a constant): a changed rule must change the words too.
    #[test]
    fn each_ruled_field_describes_its_limits_in_words() {
        let spec = crate::startup::Application::openapi();
        for (schema, field, rule) in RULES {
            let keywords = rule.schema();
            let words = format!(
                "{} to {} characters.",
                with_commas(&keywords["minLength"]),
                with_commas(&keywords["maxLength"])
            );
            let property = &spec["components"]["schemas"][schema]["properties"][field];
            assert_eq!(property["description"], words, "{schema}.{field}");
        }
    }
}

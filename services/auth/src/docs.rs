//! What the generated OpenAPI document cannot know (see `folio_shared::http::ApiDocs`):
//! the error statuses of each operation, from [`AuthError`](crate::error::AuthError), and
//! which request field each rule of [`crate::rules`] checks.

use folio_shared::http::{ApiDocs, FieldRules, OperationErrors};

use crate::rules::{EMAIL, PASSWORD, USERNAME};

/// Every operation that touches Postgres may answer 503 while it is unreachable.
const ERRORS: &[OperationErrors] = &[
    OperationErrors::new("post", "/api/users", &[400, 429, 503]),
    OperationErrors::new("get", "/api/users/me", &[503]),
    OperationErrors::new("get", "/api/users/{id}", &[404, 503]),
    OperationErrors::new("patch", "/api/users/{id}", &[400, 403, 404, 429, 503]),
    OperationErrors::new("delete", "/api/users/{id}", &[403, 404, 503]),
    OperationErrors::new("post", "/api/users/token", &[401, 429, 503]),
    OperationErrors::new("patch", "/api/users/me/password", &[400, 429, 503]),
    OperationErrors::new("post", "/api/users/forgot-password", &[429, 503]),
    OperationErrors::new("post", "/api/users/reset-password", &[400, 429, 503]),
];

const RULES: &[FieldRules] = &[
    ("CreateUser", "username", &USERNAME),
    ("CreateUser", "email", &EMAIL),
    ("CreateUser", "password", &PASSWORD),
    ("UpdateUser", "username", &USERNAME),
    ("UpdateUser", "email", &EMAIL),
    ("ChangePassword", "new_password", &PASSWORD),
    ("ForgotPassword", "email", &EMAIL),
    ("ResetPassword", "new_password", &PASSWORD),
];

/// The auth service's additions to its document.
pub const DOCS: ApiDocs = ApiDocs {
    errors: ERRORS,
    rules: RULES,
    params: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// A field's `///` line, its description in the document, opens with its limits in
    /// words (a doc comment cannot read a constant): a changed rule must change the words.
    #[test]
    fn each_ruled_field_describes_its_limits_in_words() {
        let spec = crate::startup::Application::openapi();
        // Its description names the account, whose address passed the rule already.
        let exempt = ("ForgotPassword", "email");
        for (schema, field, rule) in RULES.iter().filter(|r| (r.0, r.1) != exempt) {
            let keywords = rule.schema();
            let words = match (keywords.get("minLength"), keywords.get("maxLength")) {
                (Some(min), Some(max)) => format!("{min} to {max} characters"),
                (Some(min), None) => format!("At least {min} characters"),
                (None, Some(max)) => format!("At most {max} characters"),
                (None, None) => continue,
            };
            let property = &spec["components"]["schemas"][schema]["properties"][field];
            let description = property["description"].as_str().unwrap_or_default();
            assert!(
                description.starts_with(&words),
                "{schema}.{field}: {description}"
            );
        }
    }
}

//! What the generated OpenAPI document cannot know (see `folio_shared::http::ApiDocs`):
//! the error statuses of each operation, from [`AuthError`](crate::error::AuthError), and
//! the field checks of [`crate::rules`].

use folio_shared::http::{ApiDocs, FieldRules, OperationErrors};

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

/// Its `pattern` is `username::pattern()` written out (a unit test keeps them equal).
pub const USERNAME: &str = r#"{"minLength": 1, "maxLength": 50, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*$"}"#;
const EMAIL: &str = r#"{"format": "email", "maxLength": 120}"#;
const PASSWORD: &str = r#"{"minLength": 8, "pattern": "^[^\\u0000]*$"}"#;

const RULES: &[FieldRules] = &[
    ("CreateUser", "username", USERNAME),
    ("CreateUser", "email", EMAIL),
    ("CreateUser", "password", PASSWORD),
    ("UpdateUser", "username", USERNAME),
    ("UpdateUser", "email", EMAIL),
    ("ChangePassword", "new_password", PASSWORD),
    ("ForgotPassword", "email", EMAIL),
    ("ResetPassword", "new_password", PASSWORD),
];

/// The auth service's additions to its document.
pub const DOCS: ApiDocs = ApiDocs {
    errors: ERRORS,
    rules: RULES,
    params: &[],
};

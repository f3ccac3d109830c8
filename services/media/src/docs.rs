//! What the generated OpenAPI document cannot know (see `folio_shared::http::ApiDocs`):
//! the error statuses of each operation, from [`MediaError`](crate::error::MediaError).

use folio_shared::http::{ApiDocs, OperationErrors};

/// Both operations read and write the user's row, so each may answer 503 while Postgres
/// is unreachable; 413 (too large) comes with every body.
const ERRORS: &[OperationErrors] = &[
    OperationErrors::new("patch", "/api/users/{id}/picture", &[400, 403, 408, 503]),
    OperationErrors::new("delete", "/api/users/{id}/picture", &[400, 403, 503]),
];

/// The media service's additions to its document.
pub const DOCS: ApiDocs = ApiDocs {
    errors: ERRORS,
    rules: &[],
    params: &[],
};

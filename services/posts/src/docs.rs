//! What the generated OpenAPI document cannot know (see `folio_shared::http::ApiDocs`):
//! the error statuses of each operation, from [`PostsError`](crate::error::PostsError),
//! and the checks of `posts::check_post` and of the feeds' paging parameters (`cursor`:
//! see [`FeedCursor`](crate::cursor::FeedCursor)).

use folio_shared::http::{ApiDocs, FieldRules, OperationErrors, ParamRules};

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

// The lengths are `posts::TITLE_MAX_CHARS` and `posts::CONTENT_MAX_CHARS`; a test reads
// them back from the served document.
const TITLE: &str = r#"{"minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*$"}"#;
const CONTENT: &str = r#"{"minLength": 1, "maxLength": 100000, "pattern": "^[^\\u0000]*$"}"#;

const RULES: &[FieldRules] = &[
    ("PostCreate", "title", TITLE),
    ("PostCreate", "content", CONTENT),
    ("PostUpdate", "title", TITLE),
    ("PostUpdate", "content", CONTENT),
];

const SKIP: &str = r#"{"minimum": 0}"#;
const LIMIT: &str = r#"{"minimum": 1, "maximum": 100}"#;
/// A `FeedCursor` as written: microseconds and id. Sixteen digits keep the date within the
/// years the cursor accepts (1 to 9999); longer forms that also parse are not advertised.
const CURSOR: &str = r#"{"pattern": "^[+-]?[0-9]{1,16}_[+-]?[0-9]{1,18}$"}"#;

const PARAMS: &[ParamRules] = &[
    ("get", "/api/posts", "skip", SKIP),
    ("get", "/api/posts", "limit", LIMIT),
    ("get", "/api/users/{id}/posts", "skip", SKIP),
    ("get", "/api/users/{id}/posts", "limit", LIMIT),
    ("get", "/api/posts", "cursor", CURSOR),
    ("get", "/api/users/{id}/posts", "cursor", CURSOR),
];

/// The posts service's additions to its document.
pub const DOCS: ApiDocs = ApiDocs {
    errors: ERRORS,
    rules: RULES,
    params: PARAMS,
};

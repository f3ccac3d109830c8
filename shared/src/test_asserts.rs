//! What the services' API tests say about answers (feature `test-utils`): the exact status
//! with the exact `detail`, FastAPI-shaped 422s, 429s with `Retry-After`, and the users the
//! tests act as. One wording for every service, so a test reads as the API's contract.
//!
//! Each assertion checks the status and the body it names: the whole `detail` for plain
//! refusals, and for 422s each error's location, type and message (`assert_invalid*`,
//! `assert_fields`), so a test keeps failing without the code it tests.

use std::net::TcpListener;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::test_utils::{TestServer, insert_user, valid_claims};

/// Asserts `status` and the whole JSON body.
pub async fn assert_body(response: Response, status: StatusCode, expected: Value) {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body, expected);
}

/// Asserts `status` and the body `{"detail": detail}`.
pub async fn assert_detail(response: Response, status: StatusCode, detail: &str) {
    assert_body(response, status, json!({ "detail": detail })).await;
}

/// Asserts `status` and the body `{"message": message}`.
pub async fn assert_message(response: Response, status: StatusCode, message: &str) {
    assert_body(response, status, json!({ "message": message })).await;
}

/// Asserts a 422 whose first error is at `loc` with `msg`.
pub async fn assert_invalid(response: Response, loc: &[&str], msg: &str) {
    assert_invalid_case(response, loc, msg, "").await;
}

/// [`assert_invalid`] for one `case` of a table, named in a failure.
pub async fn assert_invalid_case(response: Response, loc: &[&str], msg: &str, case: &str) {
    let body = invalid_body(response, loc, case).await;
    assert_eq!(body["detail"][0]["msg"], msg, "{case}: {body}");
}

/// Asserts a 422 whose first error is at `loc`, for a `case` whose message is the JSON
/// parser's own (it names a byte offset): only that there is one is checked.
pub async fn assert_invalid_at(response: Response, loc: &[&str], case: &str) {
    let body = invalid_body(response, loc, case).await;
    assert!(body["detail"][0]["msg"].is_string(), "{case}: {body}");
}

/// The body of a 422 whose first error is at `loc`.
async fn invalid_body(response: Response, loc: &[&str], case: &str) -> Value {
    let status = response.status();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}");
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(body["detail"][0]["loc"], json!(loc), "{case}: {body}");
    body
}

/// FastAPI's message for a path or query parameter that is not an integer.
pub const NOT_AN_INTEGER: &str =
    "Input should be a valid integer, unable to parse string as an integer";

/// Asserts the 422 of a path `{id}` that is not an integer.
pub async fn assert_bad_path_id(response: Response) {
    assert_invalid(response, &["path", "id"], NOT_AN_INTEGER).await;
}

/// Asserts `status` and that the JSON body's text fields are `fields` (the rest is the
/// test's to check); returns the body.
pub async fn assert_fields(
    response: Response,
    status: StatusCode,
    fields: &[(&str, &str)],
) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let body: Value = response.json().await.expect("a JSON body");
    for (name, value) in fields {
        assert_eq!(body[name], *value, "{name}: {body}");
    }
    body
}

/// Asserts the 401 of a token that does not (or no longer) open the account.
pub async fn assert_token_refused(response: Response) {
    let detail = "Could not validate credentials";
    assert_detail(response, StatusCode::UNAUTHORIZED, detail).await;
}

/// Asserts that the header `name` is there and its value holds `needle`.
pub fn assert_header_contains(response: &Response, name: &str, needle: &str) {
    let value = response.headers()[name].to_str().expect("an ASCII header");
    assert!(value.contains(needle), "{name}: {value}");
}

/// Asserts a 4xx (the framework's own, whichever it is) for `case`, never a 5xx.
pub fn assert_client_error(response: &Response, case: &str) {
    let status = response.status();
    assert!(status.is_client_error(), "{case}: {status}");
}

/// The seconds of a response's `Retry-After`.
pub fn retry_after(response: &Response) -> u64 {
    let value = response.headers()["retry-after"].to_str();
    value.expect("ASCII").parse().expect("whole seconds")
}

/// Asserts a 429 with `Retry-After` of at most `window_secs` and the detail naming it.
pub async fn assert_limited(response: Response, window_secs: u64) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let seconds = retry_after(&response);
    assert!((1..=window_secs).contains(&seconds), "{seconds}");
    let detail = format!("Too many requests. Try again in {seconds} seconds.");
    assert_detail(response, StatusCode::TOO_MANY_REQUESTS, &detail).await;
}

/// Sends `body` as it is (bytes a JSON encoder would refuse to write) with `content_type`,
/// as the holder of `token` if any.
pub async fn send_bytes<S>(
    server: &TestServer<S>,
    (method, path): (Method, &str),
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Response {
    let mut request = server.client.request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let request = request.header("content-type", content_type).body(body);
    request.send().await.expect("the request is sent")
}

/// A local port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
    listener.local_addr().expect("a bound address").port()
}

/// A user inserted directly and a valid token of theirs, for the services that do not
/// register users themselves.
pub struct TestUser {
    /// The user's id.
    pub id: i64,
    /// A bearer token for the user, signed with the server's key.
    pub token: String,
}

impl TestUser {
    /// Inserts `username` into `server`'s database and signs a token for them.
    pub async fn insert<S>(server: &TestServer<S>, username: &str) -> Self {
        let id = insert_user(&server.db, username).await;
        let token = server.sign(&valid_claims(id));
        Self { id, token }
    }
}

/// The users `names`, made in order by `make` (a service's own way to make one).
pub async fn users<'a, U, F, Fut, const N: usize>(names: [&'a str; N], make: F) -> [U; N]
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = U>,
{
    let mut made = Vec::with_capacity(N);
    for name in names {
        made.push(make(name).await);
    }
    match made.try_into() {
        Ok(users) => users,
        Err(_) => unreachable!("one user a name"),
    }
}

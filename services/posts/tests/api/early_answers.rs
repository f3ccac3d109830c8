//! An answer given before the body was read (413 over the limit, 401 without a valid
//! token) must reach a client, or a reverse proxy, that is still sending the body: the
//! rest is read and thrown away, and the connection stays usable for the next request.
//! Spoken over a raw socket, as a proxy reusing its connection would.

use reqwest::StatusCode;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

use crate::helpers::{TestApp, spawn_app, spawn_app_with_users, spawn_app_without_database};

const TWELVE_MIB: usize = 12 * 1024 * 1024;

/// One HTTP/1.1 connection to the app.
struct Connection(BufReader<TcpStream>);

/// An answer: status, `Connection` header and body.
struct Answer {
    status: StatusCode,
    connection: Option<String>,
    body: String,
}

impl Connection {
    async fn open(app: &TestApp) -> Self {
        let addr = app.base.trim_start_matches("http://");
        Self(BufReader::new(TcpStream::connect(addr).await.unwrap()))
    }

    /// Sends `head` then `body` whole (as chunks when `chunked`), then reads the answer.
    async fn exchange(&mut self, head: &str, body: &[u8], chunked: bool) -> Answer {
        let socket = self.0.get_mut();
        socket.write_all(head.as_bytes()).await.unwrap();
        if chunked {
            for chunk in body.chunks(64 * 1024) {
                let size = format!("{:x}\r\n", chunk.len());
                socket.write_all(size.as_bytes()).await.unwrap();
                socket.write_all(chunk).await.unwrap();
                socket.write_all(b"\r\n").await.unwrap();
            }
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        } else {
            socket.write_all(body).await.unwrap();
        }
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> Answer {
        let mut status_line = String::new();
        self.0.read_line(&mut status_line).await.unwrap();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no status line, got {status_line:?}"));
        let (mut length, mut connection) = (0, None);
        loop {
            let mut line = String::new();
            self.0.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap(),
                "connection" => connection = Some(value.trim().to_ascii_lowercase()),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        self.0.read_exact(&mut body).await.unwrap();
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            connection,
            body: String::from_utf8(body).unwrap(),
        }
    }
}

fn post_head(token: &str, framing: &str) -> String {
    format!(
        "POST /api/posts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\n{framing}\r\n\r\n"
    )
}

fn huge_post() -> Vec<u8> {
    let mut body = br#"{"title": "too long", "content": ""#.to_vec();
    body.resize(TWELVE_MIB, b'a');
    body.extend_from_slice(br#""}"#);
    body
}

async fn assert_the_connection_still_serves(connection: &mut Connection) {
    let health = connection
        .exchange("GET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n", b"", false)
        .await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn a_twelve_mib_post_with_a_declared_length_gets_its_413_on_a_connection_that_stays_open() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let body = huge_post();
    let mut connection = Connection::open(&app).await;

    let head = post_head(&ann.token, &format!("Content-Length: {}", body.len()));
    let answer = connection.exchange(&head, &body, false).await;

    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.body, r#"{"detail":"Request body too large"}"#);
    assert_eq!(answer.connection, None, "the connection is kept alive");
    assert_the_connection_still_serves(&mut connection).await;
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn a_twelve_mib_chunked_post_gets_its_413_on_a_connection_that_stays_open() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mut connection = Connection::open(&app).await;

    let head = post_head(&ann.token, "Transfer-Encoding: chunked");
    let answer = connection.exchange(&head, &huge_post(), true).await;

    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.body, r#"{"detail":"Request body too large"}"#);
    assert_the_connection_still_serves(&mut connection).await;
    assert_eq!(app.count_posts().await, 0);
}

#[tokio::test]
async fn a_401_decided_before_the_body_is_read_leaves_the_connection_open() {
    let app = spawn_app().await;
    let mut body = br#"{"title": "t", "content": ""#.to_vec();
    body.resize(1024 * 1024, b'a');
    body.extend_from_slice(br#""}"#);
    let mut connection = Connection::open(&app).await;

    let head = post_head("not-a-token", &format!("Content-Length: {}", body.len()));
    let answer = connection.exchange(&head, &body, false).await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_the_connection_still_serves(&mut connection).await;
}

#[tokio::test]
async fn a_body_past_the_drain_budget_is_answered_with_connection_close() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mut connection = Connection::open(&app).await;
    // Declared far beyond what is worth reading; only the head is sent, and the answer
    // comes after the budget's worth of time at most, telling the client not to reuse.
    let declared = folio_shared::http::DRAIN_MAX_BYTES * 4;
    let head = post_head(&ann.token, &format!("Content-Length: {declared}"));

    let answer = connection.exchange(&head, b"", false).await;

    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.connection.as_deref(), Some("close"));
}

#[tokio::test]
async fn a_503_while_the_database_is_down_leaves_the_connection_open() {
    // The 502s seen through the gateway while Postgres restarted: the service answered
    // 503 before reading the post, closed the connection without saying so, and the
    // gateway's next request on that pooled connection failed.
    let (app, ann) = spawn_app_without_database().await;
    let mut body = br#"{"title": "t", "content": ""#.to_vec();
    body.resize(1024 * 1024, b'a');
    body.extend_from_slice(br#""}"#);
    let mut connection = Connection::open(&app).await;

    let head = post_head(&ann.token, &format!("Content-Length: {}", body.len()));
    let answer = connection.exchange(&head, &body, false).await;

    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.body,
        r#"{"detail":"Service temporarily unavailable"}"#
    );
    assert_eq!(answer.connection, None);
    assert_the_connection_still_serves(&mut connection).await;
}

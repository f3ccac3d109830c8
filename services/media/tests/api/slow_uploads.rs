//! An upload must keep arriving: one that trickles (or stops) is cut off with a 408 once
//! its grace and earned time run out, so a few slow clients cannot hold every place.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::spawn_app_with_users;

#[tokio::test]
async fn an_upload_that_stops_arriving_is_cut_off_with_408_and_nothing_changes() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let boundary = "folio-slow-upload";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    let mut socket = TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let request = format!(
        "PATCH /api/users/{}/picture HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: 1000000\r\n\r\n{head}",
        ann.id, ann.token
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(&[0xff, 0xd8, 0xff, 0xe0]).await.unwrap();

    // ... and nothing more: the answer comes once the grace (10 s) has passed, and the
    // drain of the unread rest (5 s) has given up.
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("}") {
        let read = socket.read(&mut buffer).await.unwrap();
        assert!(read > 0, "closed without an answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    let answer = String::from_utf8_lossy(&answer);

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer
            .contains(r#"{"detail":"The upload was too slow; try again on a faster connection"}"#),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "the unread rest is not waited for: {answer}"
    );
    assert_eq!(app.image_file(&ann).await, None);
    assert!(app.stored_files().is_empty());
}

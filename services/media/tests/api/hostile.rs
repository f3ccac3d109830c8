use image::ImageFormat;
use reqwest::multipart;
use serde_json::json;

use crate::helpers::{detail, encode, file_part, picture, spawn_app_with_users};

const INVALID: &str = "Invalid image file. Please upload a valid image (JPEG, PNG, GIF, WebP).";
const TOO_LARGE: &str = "File too large. Maximum size is 5MB";

/// A PNG that claims a 20000x20000 canvas in a few bytes.
fn png_bomb() -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
        out
    }
    let mut ihdr = 20_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[tokio::test]
async fn bad_files_are_400_and_nothing_is_stored() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let jpeg = encode(&picture(200, 200), ImageFormat::Jpeg);
    let mut polyglot = b"GIF89a".to_vec();
    polyglot.extend_from_slice(b"<script>alert(document.cookie)</script>");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("text", b"just some text, not an image".to_vec()),
        (
            "svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        ("truncated jpeg", jpeg[..jpeg.len() / 3].to_vec()),
        ("magic bytes then script", polyglot),
        ("pixel bomb", png_bomb()),
        ("zero bytes", Vec::new()),
    ];
    for (case, bytes) in cases {
        assert_eq!(
            detail(app.upload(&ann, bytes).await).await,
            (400, json!({"detail": INVALID})),
            "{case}"
        );
    }
    assert!(app.stored_files().is_empty());
    assert_eq!(app.image_file(&ann).await, None);
}

#[tokio::test]
async fn six_mib_is_413_with_or_without_content_length() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let mut big = encode(&picture(50, 50), ImageFormat::Png);
    big.resize(6 * 1024 * 1024, 0);

    let declared = app.upload(&ann, big.clone()).await;
    assert_eq!(detail(declared).await, (413, json!({"detail": TOO_LARGE})));

    let stream = futures_util::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let part = multipart::Part::stream(reqwest::Body::wrap_stream(stream)).file_name("big.png");
    let chunked = app
        .upload_form(&ann, multipart::Form::new().part("file", part))
        .await;
    assert_eq!(detail(chunked).await, (413, json!({"detail": TOO_LARGE})));
    assert!(app.stored_files().is_empty());
}

#[tokio::test]
async fn a_missing_field_two_files_or_no_multipart_are_422_or_415() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    let png = encode(&picture(50, 50), ImageFormat::Png);

    let wrong_name = app
        .upload_form(
            &ann,
            multipart::Form::new().part("picture", file_part(png.clone())),
        )
        .await;
    let (status, body) = detail(wrong_name).await;
    assert_eq!(
        (status, body["detail"][0]["loc"].clone()),
        (422, json!(["body", "file"]))
    );

    let empty = app.upload_form(&ann, multipart::Form::new()).await;
    assert_eq!(
        detail(empty).await,
        (
            422,
            json!({"detail": [{"loc": ["body", "file"], "msg": "Field required", "type": "missing"}]})
        )
    );

    let two = multipart::Form::new()
        .part("file", file_part(png.clone()))
        .part("file", file_part(png.clone()));
    let (status, body) = detail(app.upload_form(&ann, two).await).await;
    assert_eq!(
        (status, body["detail"][0]["msg"].clone()),
        (422, json!("Send exactly one file"))
    );

    let json_body = app
        .client
        .patch(app.url(&format!("/api/users/{}/picture", ann.id)))
        .bearer_auth(&ann.token)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status().as_u16(), 415);
    assert!(app.stored_files().is_empty());
}

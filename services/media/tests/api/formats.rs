use folio_shared::test_asserts::assert_header_contains;
use image::{GenericImageView, ImageFormat};
use serde_json::json;

use crate::helpers::{detail, encode, picture, spawn_app, spawn_app_with_users};

/// A JPEG of `picture(400, 200)` with an EXIF orientation of 6 (rotate 90 degrees clockwise).
fn jpeg_rotated_by_exif() -> Vec<u8> {
    let plain = encode(&picture(400, 200), ImageFormat::Jpeg);
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0x00, 0x01]); // one IFD entry
    tiff.extend_from_slice(&[
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    ]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let length = (app1.len() + 2) as u16;
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

#[tokio::test]
async fn every_accepted_format_is_stored_as_a_300_square_jpeg() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;
    for format in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Gif,
        ImageFormat::WebP,
    ] {
        let response = app.upload_picture(&ann, (640, 480), format).await;
        assert_eq!(response.status().as_u16(), 200, "{format:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        let file = body["image_file"].as_str().unwrap().to_owned();
        assert!(file.ends_with(".jpg") && file.len() == 36, "{file}");
        assert_eq!(body["image_path"], format!("/media/profile_pics/{file}"));
        assert_eq!(body["email"], "ann@example.com");

        let stored = app.stored_picture(&file);
        assert_eq!(
            image::guess_format(&stored).unwrap(),
            ImageFormat::Jpeg,
            "{format:?}"
        );
        let decoded = image::load_from_memory(&stored).unwrap();
        assert_eq!(decoded.dimensions(), (300, 300), "{format:?}");
        assert_eq!(
            app.stored_files(),
            std::slice::from_ref(&file),
            "the previous picture is gone"
        );
    }
}

#[tokio::test]
async fn exif_orientation_is_applied_and_metadata_dropped() {
    let (app, [ann]) = spawn_app_with_users(["ann"]).await;

    let response = app.upload(&ann, jpeg_rotated_by_exif()).await;

    assert_eq!(response.status().as_u16(), 200);
    let file = app.image_file(&ann).await.unwrap();
    let stored = app.stored_picture(&file);
    assert!(!stored.windows(4).any(|w| w == b"Exif"), "no EXIF kept");
    let avatar = image::load_from_memory(&stored).unwrap().to_rgb8();
    // Rotated upright, the red half is on top and the blue half below.
    let (top_right, bottom_left) = (avatar.get_pixel(270, 30), avatar.get_pixel(30, 270));
    assert!(
        top_right[0] > 150 && top_right[2] < 100,
        "top is red: {top_right:?}"
    );
    assert!(
        bottom_left[2] > 150 && bottom_left[0] < 100,
        "bottom is blue: {bottom_left:?}"
    );
}

#[tokio::test]
async fn deleting_the_picture_removes_the_object_and_a_second_delete_is_400() {
    let app = spawn_app().await;
    let (ann, _) = app.user_with_picture("ann").await;

    let (status, body) = detail(app.delete_picture(&ann).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["image_file"], serde_json::Value::Null);
    assert_eq!(body["image_path"], "/static/profile_pics/default.jpg");
    assert!(app.stored_files().is_empty());

    assert_eq!(
        detail(app.delete_picture(&ann).await).await,
        (400, json!({"detail": "No profile picture to delete"}))
    );
}

#[tokio::test]
async fn a_local_store_serves_pictures_with_safe_headers() {
    let app = spawn_app().await;
    let (_, file) = app.user_with_picture("ann").await;

    let response = app.get(&format!("/media/profile_pics/{file}")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_header_contains(&response, "cache-control", "immutable");
    assert_eq!(
        image::guess_format(&response.bytes().await.unwrap()).unwrap(),
        ImageFormat::Jpeg
    );

    for path in [
        "/media/profile_pics/..%2F..%2Fetc%2Fpasswd",
        "/media/profile_pics/nothere.jpg",
        "/media/profile_pics/.hidden",
    ] {
        let missing = app.get(path).await;
        assert_eq!(missing.status().as_u16(), 404, "{path}");
    }
}

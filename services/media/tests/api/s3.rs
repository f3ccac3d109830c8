use futures_util::TryStreamExt;
use image::ImageFormat;
use object_store::{Attribute, ObjectStore, ObjectStoreExt, aws::AmazonS3Builder, path::Path};

use crate::helpers::{S3Server, spawn_app_with};

fn bucket_client(server: &S3Server) -> impl ObjectStore {
    AmazonS3Builder::new()
        .with_bucket_name("pictures")
        .with_endpoint(server.url(""))
        .with_allow_http(true)
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_region("us-east-1")
        .build()
        .unwrap()
}

async fn keys(store: &impl ObjectStore) -> Vec<String> {
    let objects: Vec<_> = store.list(None).try_collect().await.unwrap();
    objects
        .into_iter()
        .map(|o| o.location.to_string())
        .collect()
}

#[tokio::test]
async fn pictures_go_to_an_s3_bucket_and_replacing_one_deletes_the_old_object() {
    let server = S3Server::start("pictures").await;
    let bucket = bucket_client(&server);
    let vars = server.settings("pictures");
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&pairs).await;
    let ann = app.user("ann").await;

    let uploaded = app
        .upload_picture(&ann, (500, 300), ImageFormat::WebP)
        .await;
    assert_eq!(uploaded.status().as_u16(), 200);
    let first = app.image_file(&ann).await.unwrap();
    assert_eq!(keys(&bucket).await, [format!("profile_pics/{first}")]);
    let object = bucket
        .get(&Path::from(format!("profile_pics/{first}")))
        .await
        .unwrap();
    assert_eq!(
        object
            .attributes
            .get(&Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("image/jpeg")
    );
    let stored = image::load_from_memory(&object.bytes().await.unwrap()).unwrap();
    assert_eq!((stored.width(), stored.height()), (300, 300));

    let replaced = app.upload_picture(&ann, (300, 500), ImageFormat::Gif).await;
    assert_eq!(replaced.status().as_u16(), 200);
    let second = app.image_file(&ann).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(keys(&bucket).await, [format!("profile_pics/{second}")]);

    let deleted = app.delete_picture(&ann).await;
    assert_eq!(deleted.status().as_u16(), 200);
    assert!(keys(&bucket).await.is_empty());
}

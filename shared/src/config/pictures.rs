//! The picture groups: where pictures are stored (auth and media) and the URLs users'
//! `image_path` is built from (auth, posts and media).

use secrecy::SecretString;

use super::Env;

/// `MEDIA_PUBLIC_URL` and `DEFAULT_AVATAR_URL`.
#[derive(Debug, Clone)]
pub struct PictureUrlSettings {
    /// `MEDIA_PUBLIC_URL` (`/media`): base URL of stored pictures; trailing `/` dropped.
    pub media_public_url: String,
    /// `DEFAULT_AVATAR_URL` (`/static/profile_pics/default.jpg`).
    pub default_avatar_url: String,
}

impl PictureUrlSettings {
    /// Reads the group (plain strings: nothing to refuse).
    pub fn from_env(env: &Env<'_>) -> Self {
        Self {
            media_public_url: env
                .get_or("MEDIA_PUBLIC_URL", "/media")
                .trim_end_matches('/')
                .to_owned(),
            default_avatar_url: env
                .get_or("DEFAULT_AVATAR_URL", "/static/profile_pics/default.jpg"),
        }
    }
}

/// `MEDIA_STORE_URL` and the FastAPI blog's `S3_*`: the store is checked by
/// `storage::MediaStore` where it is opened.
#[derive(Debug, Clone, Default)]
pub struct StoreSettings {
    /// `MEDIA_STORE_URL`: `s3://`, `gs://`, `file://` or `memory://`.
    pub media_store_url: Option<String>,
    /// The FastAPI blog's `S3_*` variables.
    pub s3: S3Settings,
}

/// The `S3_*` variables of the FastAPI blog, still honoured for S3-compatible stores.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `S3_BUCKET_NAME`.
    pub bucket: Option<String>,
    /// `S3_REGION`.
    pub region: Option<String>,
    /// `S3_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// `S3_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<SecretString>,
    /// `S3_ENDPOINT_URL`, for MinIO and other S3-compatible servers.
    pub endpoint_url: Option<String>,
}

impl StoreSettings {
    /// Reads the group (plain strings: nothing to refuse here).
    pub fn from_env(env: &Env<'_>) -> Self {
        Self {
            media_store_url: env.get("MEDIA_STORE_URL"),
            s3: S3Settings {
                bucket: env.get("S3_BUCKET_NAME"),
                region: env.get("S3_REGION"),
                access_key_id: env.get("S3_ACCESS_KEY_ID"),
                secret_access_key: env.get("S3_SECRET_ACCESS_KEY").map(Into::into),
                endpoint_url: env.get("S3_ENDPOINT_URL"),
            },
        }
    }
}

//! The object store holding profile pictures, chosen by `MEDIA_STORE_URL` (`s3://`,
//! `gs://`, `file://`, `memory://`) or by the FastAPI blog's `S3_*` variables.
//!
//! Media writes pictures; auth deletes a user's picture when the account goes. Both reach
//! the store through [`MediaStore`] so keys are built one way.

use std::sync::Arc;

use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload, path::Path,
    prefix::PrefixStore,
};
use secrecy::ExposeSecret;
use url::Url;

use crate::config::{ConfigError, Settings};

/// Folder of profile pictures inside the store.
pub const PROFILE_PICS: &str = "profile_pics";

/// The picture store.
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    url: String,
}

impl MediaStore {
    /// Builds the store from settings. Without any store setting, development uses
    /// `file://./.dev/media`; production refuses to start.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let url = match (&settings.media_store_url, &settings.s3.bucket) {
            (Some(url), _) => url.clone(),
            (None, Some(bucket)) => format!("s3://{bucket}"),
            (None, None) if settings.is_production() => {
                return Err(ConfigError::new(
                    "MEDIA_STORE_URL",
                    "is required in production",
                ));
            }
            (None, None) => {
                let dir = std::env::current_dir()
                    .map_err(|e| ConfigError::new("MEDIA_STORE_URL", e.to_string()))?
                    .join(".dev/media");
                format!("file://{}", dir.display())
            }
        };
        Self::from_url(&url, settings).map_err(|e| ConfigError::new("MEDIA_STORE_URL", e))
    }

    fn from_url(raw: &str, settings: &Settings) -> Result<Self, String> {
        let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
        let mut options: Vec<(&str, String)> = Vec::new();
        let s3 = &settings.s3;
        if let Some(v) = &s3.access_key_id {
            options.push(("aws_access_key_id", v.clone()));
        }
        if let Some(v) = &s3.secret_access_key {
            options.push(("aws_secret_access_key", v.expose_secret().to_owned()));
        }
        if let Some(v) = &s3.region {
            options.push(("aws_region", v.clone()));
        }
        if let Some(endpoint) = &s3.endpoint_url {
            options.push(("aws_endpoint", endpoint.clone()));
            if endpoint.starts_with("http://") {
                options.push(("aws_allow_http", "true".to_owned()));
            }
        }
        if url.scheme() != "s3" {
            options.clear();
        }
        if url.scheme() == "file" {
            std::fs::create_dir_all(url.path())
                .map_err(|e| format!("cannot create {}: {e}", url.path()))?;
        }
        let (store, prefix) =
            object_store::parse_url_opts(&url, options).map_err(|e| e.to_string())?;
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::from(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(Self {
            store,
            url: raw.to_owned(),
        })
    }

    /// The key of a picture file name, refusing names that could escape the folder.
    pub fn profile_picture_key(image_file: &str) -> Option<Path> {
        let safe = !image_file.is_empty()
            && image_file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            && !image_file.starts_with('.');
        safe.then(|| Path::from(format!("{PROFILE_PICS}/{image_file}")))
    }

    /// True when pictures live in a local folder (then the media service serves them).
    pub fn is_local(&self) -> bool {
        self.url.starts_with("file:")
    }

    /// Stores a picture as `image/jpeg` (local folders keep no content type; the media
    /// service sets it when serving).
    pub async fn put_profile_picture(
        &self,
        image_file: &str,
        jpeg: Vec<u8>,
    ) -> Result<(), object_store::Error> {
        let key =
            Self::profile_picture_key(image_file).ok_or_else(|| object_store::Error::Generic {
                store: "media",
                source: format!("`{image_file}` is not a picture file name").into(),
            })?;
        let mut options = PutOptions::default();
        if !self.is_local() {
            options.attributes = Attributes::from_iter([(Attribute::ContentType, "image/jpeg")]);
        }
        self.store
            .put_opts(&key, PutPayload::from(jpeg), options)
            .await?;
        Ok(())
    }

    /// Reads a picture; `None` when the name is not a picture file name.
    pub async fn get_profile_picture(
        &self,
        image_file: &str,
    ) -> Option<Result<bytes::Bytes, object_store::Error>> {
        let key = Self::profile_picture_key(image_file)?;
        Some(async { self.store.get(&key).await?.bytes().await }.await)
    }

    /// Deletes a picture; an already missing object counts as deleted.
    pub async fn delete_profile_picture(
        &self,
        image_file: &str,
    ) -> Result<(), object_store::Error> {
        let Some(key) = Self::profile_picture_key(image_file) else {
            return Ok(());
        };
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picture_keys_stay_inside_the_folder() {
        assert_eq!(
            MediaStore::profile_picture_key("0a1b.jpg")
                .unwrap()
                .as_ref(),
            "profile_pics/0a1b.jpg"
        );
        for bad in ["", "../x.jpg", "a/b.jpg", ".hidden", "x\\y.jpg"] {
            assert!(MediaStore::profile_picture_key(bad).is_none(), "{bad}");
        }
    }
}

//! The object store of Folio's media, chosen by `MEDIA_STORE_URL` (`s3://`, `gs://`,
//! `file://`, `memory://`) or by the FastAPI blog's `S3_*` variables.
//!
//! This is the platform half: which store, with which credentials, and reading, writing
//! and deleting objects by key. Which keys hold profile pictures is a domain rule
//! (folio-model's `pictures`).

use std::sync::Arc;

use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload, path::Path,
    prefix::PrefixStore,
};
use secrecy::ExposeSecret;
use url::Url;

use crate::config::{AppEnv, ConfigError, StoreSettings};

/// The media object store.
#[derive(Clone, Debug)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    url: String,
}

impl MediaStore {
    /// Builds the store from settings. Without any store setting, development uses
    /// `file://./.dev/media`; production refuses to start.
    pub fn from_settings(settings: &StoreSettings, app_env: AppEnv) -> Result<Self, ConfigError> {
        let url = match (&settings.media_store_url, &settings.s3.bucket) {
            (Some(url), _) => url.clone(),
            (None, Some(bucket)) => format!("s3://{bucket}"),
            (None, None) if app_env == AppEnv::Production => {
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

    fn from_url(raw: &str, settings: &StoreSettings) -> Result<Self, String> {
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

    /// True when pictures live in a local folder (then the media service serves them).
    pub fn is_local(&self) -> bool {
        self.url.starts_with("file:")
    }

    /// Stores `bytes` under `key`. `content_type` is kept by buckets (which serve it);
    /// local folders keep none, and the media service sets it when serving.
    pub async fn put(
        &self,
        key: &Path,
        bytes: Vec<u8>,
        content_type: &'static str,
    ) -> Result<(), object_store::Error> {
        let mut options = PutOptions::default();
        if !self.is_local() {
            options.attributes = Attributes::from_iter([(Attribute::ContentType, content_type)]);
        }
        self.store
            .put_opts(key, PutPayload::from(bytes), options)
            .await?;
        Ok(())
    }

    /// Reads the object under `key`.
    pub async fn get(&self, key: &Path) -> Result<bytes::Bytes, object_store::Error> {
        self.store.get(key).await?.bytes().await
    }

    /// Deletes the object under `key`; an already missing object counts as deleted.
    pub async fn delete(&self, key: &Path) -> Result<(), object_store::Error> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

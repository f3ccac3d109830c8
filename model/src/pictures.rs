//! Profile pictures in the media store: the folder they live in, which file names are
//! pictures at all, and reading, writing and deleting them by file name.
//!
//! Media writes and serves pictures; auth deletes a user's picture when the account goes.
//! Both go through [`PictureStore`], so a key is built, and a name refused, one way.

use folio_shared::{
    config::{AppEnv, ConfigError, StoreSettings},
    storage::MediaStore,
};
use object_store::path::Path;

/// Folder of profile pictures inside the store (and in their public URL).
pub const PROFILE_PICS: &str = "profile_pics";

/// The key of a picture file name, refusing names that could escape the folder.
pub fn picture_key(image_file: &str) -> Option<Path> {
    let safe = !image_file.is_empty()
        && image_file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !image_file.starts_with('.');
    safe.then(|| Path::from(format!("{PROFILE_PICS}/{image_file}")))
}

/// The media store seen as a folder of profile pictures, addressed by file name.
#[derive(Clone, Debug)]
pub struct PictureStore {
    store: MediaStore,
}

impl PictureStore {
    /// The store `MEDIA_STORE_URL` (or `S3_*`) names; see [`MediaStore::from_settings`].
    pub fn from_settings(settings: &StoreSettings, app_env: AppEnv) -> Result<Self, ConfigError> {
        MediaStore::from_settings(settings, app_env).map(Self::new)
    }

    /// Pictures in `store`.
    pub fn new(store: MediaStore) -> Self {
        Self { store }
    }

    /// True when pictures live in a local folder (then the media service serves them).
    pub fn is_local(&self) -> bool {
        self.store.is_local()
    }

    /// Stores a picture as `image/jpeg`.
    pub async fn put_profile_picture(
        &self,
        image_file: &str,
        jpeg: Vec<u8>,
    ) -> Result<(), object_store::Error> {
        let key = picture_key(image_file).ok_or_else(|| object_store::Error::Generic {
            store: "media",
            source: format!("`{image_file}` is not a picture file name").into(),
        })?;
        self.store.put(&key, jpeg, "image/jpeg").await
    }

    /// Reads a picture; `None` when the name is not a picture file name.
    pub async fn get_profile_picture(
        &self,
        image_file: &str,
    ) -> Option<Result<bytes::Bytes, object_store::Error>> {
        let key = picture_key(image_file)?;
        Some(self.store.get(&key).await)
    }

    /// Deletes a picture; an already missing object counts as deleted, and a name that
    /// is not a picture's has nothing to delete.
    pub async fn delete_profile_picture(
        &self,
        image_file: &str,
    ) -> Result<(), object_store::Error> {
        match picture_key(image_file) {
            Some(key) => self.store.delete(&key).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_store() -> PictureStore {
        let settings = StoreSettings {
            media_store_url: Some("memory://".to_owned()),
            ..StoreSettings::default()
        };
        PictureStore::from_settings(&settings, AppEnv::Development).unwrap()
    }

    #[test]
    fn picture_keys_stay_inside_the_folder() {
        assert_eq!(
            picture_key("0a1b.jpg").unwrap().as_ref(),
            "profile_pics/0a1b.jpg"
        );
        for bad in ["", "../x.jpg", "a/b.jpg", ".hidden", "x\\y.jpg"] {
            assert!(picture_key(bad).is_none(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_picture_is_stored_read_and_deleted_by_its_file_name() {
        let store = memory_store();

        store
            .put_profile_picture("ab12.jpg", b"jpeg".to_vec())
            .await
            .unwrap();
        let read = store
            .get_profile_picture("ab12.jpg")
            .await
            .unwrap()
            .unwrap();
        store.delete_profile_picture("ab12.jpg").await.unwrap();

        assert_eq!(read.as_ref(), b"jpeg");
        assert!(matches!(
            store.get_profile_picture("ab12.jpg").await,
            Some(Err(object_store::Error::NotFound { .. }))
        ));
        // Already gone counts as deleted.
        store.delete_profile_picture("ab12.jpg").await.unwrap();
    }

    #[tokio::test]
    async fn names_that_are_not_pictures_are_neither_stored_nor_read() {
        let store = memory_store();

        let refused = store
            .put_profile_picture("../escape.jpg", b"jpeg".to_vec())
            .await;

        assert!(refused.is_err());
        assert!(store.get_profile_picture("../escape.jpg").await.is_none());
        store.delete_profile_picture("../escape.jpg").await.unwrap();
    }
}

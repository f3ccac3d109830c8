//! `PATCH` and `DELETE /api/users/{id}/picture`, for the picture's owner only.
//!
//! Order of writes on upload: store the new object, point the row at it, then delete the
//! old object. If the row update fails the new object is removed again; a failed delete
//! of the old object is logged, never the user's problem. So a store or database outage
//! leaves the user with the picture they had.

use std::sync::Arc;

use anyhow::Context;

use folio_model::{
    pictures::PictureStore,
    users::{ImageUrls, UserPrivate, UserRow, find_user},
};
use folio_shared::{
    auth::BearerAuth,
    db::{Db, Queryable, Sql},
};
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Json};
use tokio::sync::Semaphore;
use tokio_postgres::types::Type;
use tracing::Instrument;

use crate::{error::MediaError, processing, upload::PictureUpload};

/// Picture endpoints.
pub struct PicturesApi {
    db: Db,
    store: PictureStore,
    urls: ImageUrls,
    max_bytes: usize,
    too_large: String,
    /// Decoding is CPU- and memory-heavy: at most one per CPU at a time.
    decoders: Arc<Semaphore>,
    /// Uploads being read or waiting to decode each hold their file: a few per CPU at
    /// most; others wait (unread) up to [`UPLOAD_QUEUE_WAIT`], then are told to retry, so
    /// memory does not grow with the request count.
    uploads: Arc<Semaphore>,
}

impl PicturesApi {
    /// The endpoints over the pool and the store; uploads up to `max_bytes`.
    pub fn new(db: Db, store: PictureStore, urls: ImageUrls, max_bytes: usize) -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            db,
            store,
            urls,
            max_bytes,
            too_large: too_large_detail(max_bytes),
            decoders: Arc::new(Semaphore::new(cpus)),
            uploads: Arc::new(Semaphore::new(4 * cpus)),
        }
    }
}

/// Longest an upload waits for a place before a 503.
pub const UPLOAD_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// "File too large. Maximum size is 5MB" for the configured limit.
pub fn too_large_detail(max_bytes: usize) -> String {
    format!(
        "File too large. Maximum size is {}MB",
        max_bytes.div_ceil(1024 * 1024)
    )
}

#[derive(ApiResponse)]
enum PictureResponse {
    /// The account with its new (or no) picture.
    #[oai(status = 200)]
    Ok(Json<UserPrivate>),
}

// Swaps the file name and returns the previous one, atomically (the row is locked).
const SET_PICTURE: Sql = Sql::new(
    "update users u set image_file = $2, updated_at = now() \
     from (select id, image_file from users where id = $1 for update) old \
     where u.id = old.id \
     returning u.id, u.username, u.email, u.image_file, old.image_file as previous",
    &[Type::INT8, Type::VARCHAR],
);

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Profile pictures.
    Pictures,
}

impl PicturesApi {
    /// 403 for anyone but the owner (existing id or not), then the owner's row.
    async fn owner_check(&self, id: i64, auth: &BearerAuth) -> Result<UserRow, MediaError> {
        if id != auth.0.id {
            return Err(MediaError::NotAuthorized);
        }
        let conn = self.db.conn().await?;
        find_user(&conn, id).await?.ok_or(MediaError::UserNotFound)
    }

    /// Points the row at `file` (or none) and returns the user and the previous file.
    async fn set_picture(
        &self,
        id: i64,
        file: Option<&str>,
    ) -> Result<(UserRow, Option<String>), MediaError> {
        let conn = self.db.conn().await?;
        let row = conn
            .query_opt(&SET_PICTURE, &[&id, &file])
            .await?
            .ok_or(MediaError::UserNotFound)?;
        Ok((UserRow::from_row(&row), row.get("previous")))
    }

    async fn delete_quietly(&self, file: &str, why: &str) {
        if let Err(err) = self.store.delete_profile_picture(file).await {
            tracing::error!(error = %err, image_file = file, why, "could not delete a picture object");
        }
    }

    async fn upload(
        &self,
        id: i64,
        auth: BearerAuth,
        upload: PictureUpload,
    ) -> Result<UserPrivate, MediaError> {
        if id != auth.0.id {
            return Err(MediaError::NotAuthorized);
        }
        // Wait a little for a place (bursts queue) but never let buffered uploads pile up.
        // Running out of time here means every place is taken (a 503); a timeout elsewhere
        // means something else, so it converts here, not by a `From`.
        let _in_flight =
            tokio::time::timeout(UPLOAD_QUEUE_WAIT, self.uploads.clone().acquire_owned())
                .await
                .map_err(|_| MediaError::Busy)?
                .context("the upload places were closed")?;
        let bytes = upload.read_file(self.max_bytes, &self.too_large).await?;
        let permit = self
            .decoders
            .clone()
            .acquire_owned()
            .await
            .context("the decoder places were closed")?;
        // The blocking thread does not inherit the request's span: carried over by hand.
        let span = tracing::Span::current();
        let jpeg = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(|| processing::to_avatar(&bytes))
        })
        .await
        .context("decoding the picture panicked")??;
        let file = format!("{}.jpg", uuid::Uuid::new_v4().simple());
        self.store
            .put_profile_picture(&file, jpeg)
            .instrument(tracing::debug_span!("put_picture", image_file = %file))
            .await?;
        let (user, previous) = match self.set_picture(id, Some(&file)).await {
            Ok(done) => done,
            Err(err) => {
                self.delete_quietly(&file, "the row update failed").await;
                return Err(err);
            }
        };
        if let Some(previous) = previous.filter(|p| *p != file) {
            self.delete_quietly(&previous, "replaced").await;
        }
        tracing::info!(user_id = id, image_file = %file, "profile picture updated");
        Ok(self.urls.private(&user))
    }

    async fn remove(&self, id: i64, auth: BearerAuth) -> Result<UserPrivate, MediaError> {
        let current = self.owner_check(id, &auth).await?;
        if current.image_file.is_none() {
            return Err(MediaError::NoPicture);
        }
        let (user, previous) = self.set_picture(id, None).await?;
        // `None`: removed concurrently by another request; the outcome is the same.
        if let Some(previous) = previous {
            self.delete_quietly(&previous, "removed").await;
        }
        Ok(self.urls.private(&user))
    }
}

#[OpenApi(tag = "Tags::Pictures")]
impl PicturesApi {
    /// Upload your profile picture (JPEG, PNG, GIF or WebP, up to 5 MB); it is stored as a
    /// 300x300 JPEG.
    #[oai(path = "/api/users/:id/picture", method = "patch")]
    async fn upload_picture(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
        upload: PictureUpload,
    ) -> Result<PictureResponse, MediaError> {
        Ok(PictureResponse::Ok(Json(
            self.upload(id.0, auth, upload).await?,
        )))
    }

    /// Remove your profile picture.
    #[oai(path = "/api/users/:id/picture", method = "delete")]
    async fn delete_picture(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
    ) -> Result<PictureResponse, MediaError> {
        Ok(PictureResponse::Ok(Json(self.remove(id.0, auth).await?)))
    }
}

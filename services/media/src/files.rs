//! `GET /media/profile_pics/{file}`: pictures served by the media service itself when the
//! store is a local folder (development). In production a bucket or CDN serves them.

use folio_model::pictures::PictureStore;
use folio_shared::http::detail_response;
use poem::{
    Response,
    http::{StatusCode, header},
    web::{Data, Path},
};

/// Stored names are random and never reused, so a picture never changes: cache for a year.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// Serves one stored picture; names that could leave the folder are simply not found.
#[poem::handler]
pub async fn serve_picture(Path(file): Path<String>, store: Data<&PictureStore>) -> Response {
    match store.get_profile_picture(&file).await {
        Some(Ok(bytes)) => Response::builder()
            .content_type("image/jpeg")
            .header(header::CACHE_CONTROL, CACHE_FOREVER)
            .body(bytes),
        Some(Err(object_store::Error::NotFound { .. })) | None => {
            detail_response(StatusCode::NOT_FOUND, "Not Found")
        }
        Some(Err(err)) => {
            tracing::error!(error = %err, "could not read a picture");
            folio_shared::http::unavailable_response("Storage temporarily unavailable")
        }
    }
}

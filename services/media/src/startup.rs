//! Builds the media application from [`Settings`]; `main` and the tests run the same app.

use std::sync::Arc;

use folio_model::{pictures::PictureStore, users::ImageUrls};
use folio_shared::{
    auth::TokenVerifier,
    db::Db,
    health::{DatabaseProbe, HealthApi, with_docs},
    http::{HttpOptions, wrap_api},
    jwt::Keys,
    server::{App, BoundListener, OpenApiDocument, openapi_spec},
};
use poem::{EndpointExt, Route, get};
use poem_openapi::OpenApiService;

use crate::{
    config::Settings,
    files::serve_picture,
    pictures::{PicturesApi, too_large_detail},
    upload::FRAMING_ALLOWANCE,
};

/// The endpoints: one type for serving them (`build`) and describing them (`openapi`).
type Endpoints = (PicturesApi, HealthApi);
const TITLE: &str = "Folio media";

/// Builds the media service.
pub struct Application;

impl Application {
    /// The document served at `/openapi.json`, from the endpoints' types alone (the
    /// `openapi` subcommand: no settings, nothing connected).
    pub fn openapi() -> OpenApiDocument {
        openapi_spec::<Endpoints>(TITLE, env!("CARGO_PKG_VERSION"), &crate::docs::DOCS)
    }

    /// Validates settings, prepares the pool and the store (lazily) and binds `PORT`.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        let app_env = settings.process.app_env;
        let keys = Keys::from_settings(&settings.jwt, app_env, false)?;
        let db = Db::from_settings(&settings.database)?;
        let store = PictureStore::from_settings(&settings.store, app_env)?;
        let max_bytes = usize::try_from(settings.max_upload_size_bytes)?;
        let verifier = Arc::new(TokenVerifier::new(keys.public, db.clone()));
        let api: OpenApiService<Endpoints, ()> = OpenApiService::new(
            (
                PicturesApi::new(
                    db.clone(),
                    store.clone(),
                    ImageUrls::from_settings(&settings.pictures),
                    max_bytes,
                ),
                HealthApi::new(vec![Arc::new(DatabaseProbe(db.clone()))]).counting(db),
            ),
            TITLE,
            env!("CARGO_PKG_VERSION"),
        );
        let mut routes = Route::new();
        if store.is_local() {
            routes = routes.at("/media/profile_pics/:file", get(serve_picture));
        }
        let routes = routes
            .nest("/", with_docs(api, crate::docs::DOCS))
            .data(verifier)
            .data(store);
        let options = HttpOptions {
            body_limit: max_bytes + FRAMING_ALLOWANCE,
            too_large_detail: too_large_detail(max_bytes),
            allowed_origins: settings.allowed_origins.clone(),
            // The multipart reader caps the file at the limit as it streams.
            stream_bodies: true,
        };
        let listener = BoundListener::bind(settings.process.port).await?;
        Ok(App::new(listener, wrap_api(routes, options).boxed()))
    }
}

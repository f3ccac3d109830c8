//! Builds the posts application from [`Settings`]; `main` and the tests run the same app.

use std::sync::Arc;

use folio_model::users::ImageUrls;
use folio_shared::{
    auth::TokenVerifier,
    db::Db,
    health::{DatabaseProbe, HealthApi, with_docs},
    http::{HttpOptions, wrap_api},
    jwt::Keys,
    rate_limit::RateLimiter,
    server::{App, BoundListener, OpenApiDocument, openapi_spec},
};
use poem::EndpointExt;
use poem_openapi::OpenApiService;

use crate::{
    cache::ReadCache, cache_hits::ServeCachedReads, config::Settings, feeds::FeedsApi,
    limits::PostingLimit, posts::PostsApi, readers::Readers,
};

/// Bodies up to 2 MiB: a post at the 100,000-character cap fits even when every character
/// is JSON-escaped (`\uXXXX\uXXXX`, 12 bytes, for one outside the BMP: 1.2 MB); anything
/// larger is a 413, never buffered further.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The endpoints: one type for serving them (`build`) and describing them (`openapi`).
type Endpoints = (FeedsApi, PostsApi, HealthApi);
const TITLE: &str = "Folio posts";

/// Builds the posts service.
pub struct Application;

impl Application {
    /// The document served at `/openapi.json`, from the endpoints' types alone (the
    /// `openapi` subcommand: no settings, nothing connected).
    pub fn openapi() -> OpenApiDocument {
        openapi_spec::<Endpoints>(TITLE, env!("CARGO_PKG_VERSION"), &crate::docs::DOCS)
    }

    /// Validates settings, prepares the pool and Redis (both lazily: the service starts and
    /// serves reads while either is down) and binds `PORT`.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        let keys = Keys::from_settings(&settings.jwt, settings.process.app_env, false)?;
        let db = Db::from_settings(&settings.database)?;
        let urls = ImageUrls::from_settings(&settings.pictures);
        let (_, redis) = folio_shared::redis::from_settings(&settings.redis)?;
        let limit = PostingLimit::new(
            RateLimiter::new(redis, &settings.redis.key_prefix),
            settings.post_rate_limit_per_minute,
        );
        let verifier = Arc::new(TokenVerifier::new(keys.public, db.clone()));
        let cache = ReadCache::new();
        // Pages, feeds and the sitemap at the public URL (not in the OpenAPI document).
        let readers = Readers::from_settings(&settings, db.clone(), urls.clone())?;
        let api: OpenApiService<Endpoints, ()> = OpenApiService::new(
            (
                FeedsApi::new(
                    db.clone(),
                    urls.clone(),
                    settings.posts_per_page,
                    cache.clone(),
                ),
                PostsApi::new(db.clone(), urls, limit, cache.clone()),
                HealthApi::new(vec![Arc::new(DatabaseProbe(db.clone()))]).counting(db),
            ),
            TITLE,
            env!("CARGO_PKG_VERSION"),
        );
        let routes = readers
            .route(with_docs(api, crate::docs::DOCS))
            .data(verifier);
        let routes = ServeCachedReads::new(routes, cache, settings.posts_per_page);
        let options =
            HttpOptions::json_api(settings.allowed_origins.clone()).with_body_limit(BODY_LIMIT);
        let listener = BoundListener::bind(settings.process.port).await?;
        Ok(App::new(listener, wrap_api(routes, options).boxed()))
    }
}

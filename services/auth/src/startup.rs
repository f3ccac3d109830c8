//! Builds the auth application from [`Settings`]; `main` and the tests run the same app.

use std::sync::Arc;

use folio_shared::{
    auth::TokenVerifier,
    config::Settings,
    db::Db,
    health::{DatabaseProbe, HealthApi, with_docs},
    http::{HttpOptions, wrap_api},
    jwt::{Keys, PublicKeys, SigningKey},
    queue::{JobCipher, MailQueue},
    rate_limit::RateLimiter,
    server::{App, BoundListener, OpenApiDocument, openapi_spec},
    storage::MediaStore,
    users::ImageUrls,
};
use poem::EndpointExt;
use poem_openapi::OpenApiService;

use crate::{
    mail_wake::MailWaker, password_change::PasswordChangeApi, password_reset::PasswordResetApi,
    passwords::Passwords, tokens::TokensApi, users::UsersApi,
};

/// Everything the auth endpoints share.
pub struct AppState {
    /// Postgres.
    pub db: Db,
    /// Builds `image_path`.
    pub urls: ImageUrls,
    /// Signs access tokens.
    pub signing_key: SigningKey,
    /// Served as the JWKS.
    pub public_keys: PublicKeys,
    /// Argon2 on the blocking pool.
    pub passwords: Passwords,
    /// Login and reset limits.
    pub limiter: RateLimiter,
    /// The mail stream.
    pub mail: MailQueue,
    /// Wakes the mail worker when a request queued a mail (`MAIL_WAKE_URL`).
    pub mail_waker: MailWaker,
    /// Seals reset links into their mail jobs (`MAIL_JOB_KEY`).
    pub job_cipher: JobCipher,
    /// Where profile pictures live (deleted with the account).
    pub media: MediaStore,
    /// Lifetime of access tokens.
    pub access_ttl: chrono::Duration,
    /// Lifetime of reset tokens.
    pub reset_ttl: chrono::Duration,
    /// Base of links in mails.
    pub frontend_url: String,
    /// Registrations per minute, per client.
    pub register_limit: u32,
    /// Login attempts per minute per client; failed logins per minute per account and client.
    pub login_limit: u32,
    /// The account-wide backstop per hour: failed logins, forgot-password requests.
    pub account_limit_per_hour: u32,
    /// Forgot/reset requests per minute, per client.
    pub reset_limit: u32,
    /// Reset mails per hour, per address.
    pub reset_mails_per_hour: u32,
    /// Wrong current passwords per minute, per user.
    pub password_change_limit: u32,
    /// Proxies whose `X-Forwarded-For` entries are trusted (see `client_ip`).
    pub trusted_proxy_hops: usize,
}

/// The endpoints: one type for serving them (`build`) and describing them (`openapi`).
type Endpoints = (
    UsersApi,
    TokensApi,
    PasswordChangeApi,
    PasswordResetApi,
    HealthApi,
);
const TITLE: &str = "Folio auth";

/// Builds the auth service.
pub struct Application;

impl Application {
    /// The document served at `/openapi.json`, from the endpoints' types alone (the
    /// `openapi` subcommand: no settings, nothing connected).
    pub fn openapi() -> OpenApiDocument {
        openapi_spec::<Endpoints>(TITLE, env!("CARGO_PKG_VERSION"), &crate::docs::DOCS)
    }

    /// Validates settings, prepares every dependency (lazily: none needs to be up yet)
    /// and binds `PORT`.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        let keys = Keys::from_settings(&settings, true)?;
        let signing_key = keys
            .signing
            .ok_or_else(|| anyhow::anyhow!("auth needs a signing key"))?;
        let db = Db::from_settings(&settings)?;
        let (_, redis) = folio_shared::redis::from_settings(&settings)?;
        let passwords = Passwords::new();
        crate::legacy_hashes::refresh(db.clone(), passwords.clone());
        let state = Arc::new(AppState {
            db: db.clone(),
            urls: ImageUrls::from_settings(&settings),
            signing_key,
            public_keys: keys.public.clone(),
            passwords,
            limiter: RateLimiter::new(redis.clone(), &settings.redis_key_prefix),
            mail: MailQueue::new(redis, &settings.redis_key_prefix),
            mail_waker: MailWaker::from_settings(&settings)?,
            job_cipher: JobCipher::from_settings(&settings)?,
            media: MediaStore::from_settings(&settings)?,
            access_ttl: chrono::Duration::minutes(settings.access_token_expire_minutes),
            reset_ttl: chrono::Duration::minutes(settings.reset_token_expire_minutes),
            frontend_url: settings.frontend_url.clone(),
            register_limit: settings.register_rate_limit_per_minute,
            login_limit: settings.login_rate_limit_per_minute,
            account_limit_per_hour: settings.account_rate_limit_per_hour,
            reset_limit: settings.password_reset_rate_limit_per_minute,
            reset_mails_per_hour: settings.password_reset_mails_per_hour,
            password_change_limit: settings.password_change_rate_limit_per_minute,
            trusted_proxy_hops: settings.trusted_proxy_hops,
        });
        let verifier = Arc::new(TokenVerifier::new(keys.public, db.clone()));
        let api: OpenApiService<Endpoints, ()> = OpenApiService::new(
            (
                UsersApi::new(state.clone()),
                TokensApi::new(state.clone()),
                PasswordChangeApi::new(state.clone()),
                PasswordResetApi::new(state),
                HealthApi::new(vec![Arc::new(DatabaseProbe(db.clone()))]).counting(db),
            ),
            TITLE,
            env!("CARGO_PKG_VERSION"),
        );
        let routes = with_docs(api, crate::docs::DOCS).data(verifier);
        let app = wrap_api(
            routes,
            HttpOptions::json_api(settings.allowed_origins.clone()),
        )
        .boxed();
        let listener = BoundListener::bind(settings.port).await?;
        Ok(App::new(listener, app))
    }
}

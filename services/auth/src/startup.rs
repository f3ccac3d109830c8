//! Builds the auth application from [`Settings`]; `main` and the tests run the same app.

use std::sync::Arc;

use folio_model::{pictures::PictureStore, users::ImageUrls};
use folio_shared::{
    auth::TokenVerifier,
    db::Db,
    health::{DatabaseProbe, HealthApi, with_docs},
    http::{HttpOptions, wrap_api},
    jwt::Keys,
    queue::{JobCipher, MailQueue},
    rate_limit::RateLimiter,
    server::{App, BoundListener, OpenApiDocument, openapi_spec},
};
use poem::EndpointExt;
use poem_openapi::OpenApiService;

use crate::{
    config::Settings,
    current_password::CurrentPassword,
    limits::RateLimits,
    mail::Mail,
    mail_wake::MailWaker,
    password_change::PasswordChangeApi,
    password_replacement::PasswordReplacement,
    password_reset::{PasswordResetApi, ResetPolicy},
    passwords::Passwords,
    token_issuer::TokenIssuer,
    tokens::{LoginLimits, TokensApi},
    users::UsersApi,
};

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
        let app_env = settings.process.app_env;
        let keys = Keys::from_settings(&settings.jwt, app_env, true)?;
        let signing_key = keys
            .signing
            .ok_or_else(|| anyhow::anyhow!("auth needs a signing key"))?;
        let db = Db::from_settings(&settings.database)?;
        let (_, redis) = folio_shared::redis::from_settings(&settings.redis)?;
        let passwords = Passwords::new();
        crate::legacy_hashes::refresh(db.clone(), passwords.clone());
        let limits = RateLimits::new(
            RateLimiter::new(redis.clone(), &settings.redis.key_prefix),
            settings.limits.trusted_proxy_hops,
        );
        let mail = Mail::new(
            db.clone(),
            MailQueue::new(redis, &settings.redis.key_prefix),
            MailWaker::from_settings(&settings.mail_wake)?,
        );
        let current_password = CurrentPassword::new(
            db.clone(),
            passwords.clone(),
            limits.clone(),
            settings.limits.password_change_per_minute,
        );
        let replacement = PasswordReplacement::new(db.clone(), passwords.clone(), mail.clone());
        let users = UsersApi {
            db: db.clone(),
            urls: ImageUrls::from_settings(&settings.pictures),
            passwords: passwords.clone(),
            limits: limits.clone(),
            registrations_per_minute: settings.limits.register_per_minute,
            current_password: current_password.clone(),
            mail: mail.clone(),
            media: PictureStore::from_settings(&settings.store, app_env)?,
        };
        let tokens = TokensApi {
            db: db.clone(),
            passwords,
            limits: limits.clone(),
            login_limits: LoginLimits {
                per_minute: settings.limits.login_per_minute,
                failures_per_account_per_hour: settings.limits.account_per_hour,
            },
            issuer: TokenIssuer::new(
                signing_key,
                chrono::Duration::minutes(settings.access_token_expire_minutes),
            ),
            public_keys: keys.public.clone(),
        };
        let reset = PasswordResetApi {
            db: db.clone(),
            limits,
            mail,
            cipher: JobCipher::from_settings(&settings.mail_job, &settings.jwt, app_env)?,
            replacement: replacement.clone(),
            policy: ResetPolicy {
                frontend_url: settings.frontend_url.clone(),
                token_ttl: chrono::Duration::minutes(settings.mail_job.reset_token_expire_minutes),
                per_client_per_minute: settings.limits.password_reset_per_minute,
                per_account_per_hour: settings.limits.account_per_hour,
                mails_per_hour: settings.limits.password_reset_mails_per_hour,
            },
        };
        let verifier = Arc::new(TokenVerifier::new(keys.public, db.clone()));
        let api: OpenApiService<Endpoints, ()> = OpenApiService::new(
            (
                users,
                tokens,
                PasswordChangeApi::new(current_password, replacement),
                reset,
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
        let listener = BoundListener::bind(settings.process.port).await?;
        Ok(App::new(listener, app))
    }
}

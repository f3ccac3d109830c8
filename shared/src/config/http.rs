//! The HTTP edge group: the public site, the origins allowed to call cross-origin and the
//! proxies in front that name the client.

use super::{AppEnv, ConfigError, Env};

/// `FRONTEND_URL`, `ALLOWED_ORIGINS`, `TRUSTED_PROXY_HOPS`.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `FRONTEND_URL`: base of links in mails and pages.
    pub frontend_url: String,
    /// `ALLOWED_ORIGINS`: comma-separated exact origins allowed to call cross-origin.
    pub allowed_origins: Vec<String>,
    /// `TRUSTED_PROXY_HOPS` (1): proxies in front of the service that append the client
    /// address to `X-Forwarded-For` (Cloud Run: 1; behind the load balancer: 2; 0: use the
    /// peer address). Rate limits key on the address that many hops from the right.
    pub trusted_proxy_hops: usize,
}

impl HttpSettings {
    /// Reads the group; production requires an `https://` `FRONTEND_URL`.
    pub fn from_env(env: &Env<'_>, app_env: AppEnv) -> Result<Self, ConfigError> {
        Ok(Self {
            frontend_url: frontend_url(env, app_env)?,
            allowed_origins: parse_origins(env.get("ALLOWED_ORIGINS").as_deref())?,
            trusted_proxy_hops: env.parse_or("TRUSTED_PROXY_HOPS", 1)?,
        })
    }
}

/// Links in mails open this: in production it must be given, and be `https://`, or a
/// reset link would point at a developer's machine or travel in clear.
fn frontend_url(env: &Env<'_>, app_env: AppEnv) -> Result<String, ConfigError> {
    let url = match env.get("FRONTEND_URL") {
        Some(url) => url,
        None if app_env == AppEnv::Development => "http://localhost:8000".to_owned(),
        None => {
            return Err(ConfigError::new(
                "FRONTEND_URL",
                "is required in production",
            ));
        }
    };
    if app_env == AppEnv::Production && !url.starts_with("https://") {
        return Err(ConfigError::new(
            "FRONTEND_URL",
            "must start with https:// in production",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// Origins are compared byte for byte with the `Origin` header, so they must be exact:
/// scheme and host, optional port, no path and no wildcard.
fn parse_origins(raw: Option<&str>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.contains('*')
                && origin.splitn(4, '/').count() == 3;
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError::new(
                    "ALLOWED_ORIGINS",
                    format!("`{origin}` is not an exact origin like https://blog.example.com"),
                ))
            }
        })
        .collect()
}

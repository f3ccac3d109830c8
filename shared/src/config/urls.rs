//! The URLs whose production rules are stricter than development's: the frontend's (links
//! in mails) and the database's (TLS).

use super::{AppEnv, ConfigError, Env};

/// Links in mails open this: in production it must be given, and be `https://`, or a
/// reset link would point at a developer's machine or travel in clear.
pub(super) fn frontend_url(env: &Env<'_>, app_env: AppEnv) -> Result<String, ConfigError> {
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

/// In production a database URL that does not say `sslmode` gets `sslmode=require`: the
/// data crosses the internet to Neon. An explicit `sslmode` (even `disable`, for a
/// database on the same host) is obeyed.
pub fn tls_unless_told(url: String, app_env: AppEnv) -> String {
    if app_env == AppEnv::Development || url.contains("sslmode=") {
        return url;
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}sslmode=require")
    } else {
        // The key=value form.
        format!("{url} sslmode=require")
    }
}

//! The HTTP edge: the public site (`FRONTEND_URL`) and the origins allowed to call
//! cross-origin (`ALLOWED_ORIGINS`). Each is its own loader, read only by the services
//! that use it: links are built by auth, posts and the mail worker; CORS is answered by
//! auth, posts and media.

use super::{AppEnv, ConfigError, Env, process::required_in_production};

/// `FRONTEND_URL`: base of the links in mails and pages. In production it must be given,
/// and be `https://`, or a reset link would point at a developer's machine or travel in
/// clear. A trailing `/` is dropped.
pub fn frontend_url(env: &Env<'_>, app_env: AppEnv) -> Result<String, ConfigError> {
    let url = required_in_production(env, app_env, "FRONTEND_URL", "http://localhost:8000")?;
    if app_env == AppEnv::Production && !url.starts_with("https://") {
        return Err(ConfigError::new(
            "FRONTEND_URL",
            "must start with https:// in production",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// `ALLOWED_ORIGINS`: comma-separated origins answered with CORS headers. They are
/// compared byte for byte with the `Origin` header, so they must be exact: scheme and
/// host, optional port, no path and no wildcard.
pub fn allowed_origins(env: &Env<'_>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = env.get("ALLOWED_ORIGINS") else {
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

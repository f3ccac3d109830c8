//! The one direct (unpooled) connection a migrate run uses, and which URL it goes to.
//!
//! folio-shared's `db` opens connections the same way for the services; this crate cannot
//! use it (folio-shared's test harness depends on this crate), and a run needs only these
//! few lines: the URL's TLS mode, a connect timeout, and an error that never quotes the
//! password.

use std::{str::FromStr, sync::Arc, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::{Client, config::SslMode};

/// The development database, as the services' settings default to it.
pub const DEV_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/folio";

/// Opens one connection to `url`, with TLS when the URL asks (`sslmode=require`).
pub async fn connect(url: &SecretString) -> anyhow::Result<Client> {
    let mut config = tokio_postgres::Config::from_str(url.expose_secret())
        // The parse error can quote the URL, password included: say only what failed.
        .map_err(|_| anyhow::anyhow!("the database URL is not a valid Postgres URL"))?;
    config.connect_timeout(Duration::from_secs(2));
    // An index build may run for minutes: keepalives notice a dead peer long before the
    // OS default of two hours, as the services' connections do.
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30));
    if config.get_application_name().is_none() {
        config.application_name("folio");
    }
    let client = if config.get_ssl_mode() == SslMode::Require {
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder()
            .with_root_certificates(Arc::new(roots))
            .with_no_client_auth();
        let (client, connection) = config
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .await?;
        tokio::spawn(connection);
        client
    } else {
        let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        client
    };
    Ok(client)
}

/// The URL a run migrates: `DATABASE_DIRECT_URL`, else `DATABASE_URL`, else (in
/// development only) [`DEV_DATABASE_URL`]. Only the database matters here, so the Cloud
/// Run Job gets no other secret and no other variable can stop a migration. `Err` is the
/// one line to print.
pub fn migration_url() -> Result<SecretString, String> {
    // As the services read it: anything but the two names is refused, not taken for
    // development (which would skip the production rules below).
    let production = match std::env::var("APP_ENV").as_deref() {
        Err(_) | Ok("development") => false,
        Ok("production") => true,
        Ok(_) => {
            return Err(
                "configuration error: APP_ENV: must be `development` or `production`".into(),
            );
        }
    };
    if !production {
        // A missing .env is normal in development.
        let _ = dotenvy::dotenv();
    }
    for name in ["DATABASE_DIRECT_URL", "DATABASE_URL"] {
        if let Ok(url) = std::env::var(name)
            && !url.trim().is_empty()
        {
            return Ok(tls_unless_told(url.trim().to_owned(), production).into());
        }
    }
    if production {
        return Err("configuration error: DATABASE_URL: is required in production".into());
    }
    Ok(DEV_DATABASE_URL.to_owned().into())
}

/// In production a database URL that does not say `sslmode` gets `sslmode=require`: the
/// data crosses the internet to Neon. An explicit `sslmode` (even `disable`, for a
/// database on the same host) is obeyed. (folio-shared's settings apply the same rule to
/// the services' URLs.)
pub fn tls_unless_told(url: String, production: bool) -> String {
    if !production || url.contains("sslmode=") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_urls_get_tls_unless_they_say_otherwise() {
        assert_eq!(
            tls_unless_told("postgres://u@h/db".into(), true),
            "postgres://u@h/db?sslmode=require"
        );
        assert_eq!(
            tls_unless_told("postgres://u@h/db?application_name=x".into(), true),
            "postgres://u@h/db?application_name=x&sslmode=require"
        );
        assert_eq!(
            tls_unless_told("host=h dbname=db".into(), true),
            "host=h dbname=db sslmode=require"
        );
        assert_eq!(
            tls_unless_told("postgres://u@h/db?sslmode=disable".into(), true),
            "postgres://u@h/db?sslmode=disable"
        );
        assert_eq!(
            tls_unless_told("postgres://u@h/db".into(), false),
            "postgres://u@h/db"
        );
    }

    #[tokio::test]
    async fn a_bad_url_error_does_not_repeat_the_password() {
        let err = connect(&SecretString::from("postgres://u:hunter2@h:notaport/db"))
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}

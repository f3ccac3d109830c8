use secrecy::ExposeSecret;

use super::*;

/// Every shared group, loaded in the order a service loads them.
#[derive(Debug)]
struct Groups {
    process: ProcessSettings,
    database: DatabaseSettings,
    redis: RedisSettings,
    frontend_url: String,
    allowed_origins: Vec<String>,
    jwt: JwtSettings,
    pictures: PictureUrlSettings,
    mail_job: MailJobSettings,
    mail_wake: MailWakeSettings,
}

fn settings(pairs: &[(&str, &str)]) -> Result<Groups, ConfigError> {
    let vars = vars(pairs);
    let env = Env(&vars);
    let process = ProcessSettings::from_env(&env)?;
    let app_env = process.app_env;
    Ok(Groups {
        process,
        database: DatabaseSettings::from_env(&env, app_env)?,
        redis: RedisSettings::from_env(&env, app_env)?,
        frontend_url: frontend_url(&env, app_env)?,
        allowed_origins: allowed_origins(&env)?,
        jwt: JwtSettings::from_env(&env)?,
        pictures: PictureUrlSettings::from_env(&env),
        mail_job: MailJobSettings::from_env(&env)?,
        mail_wake: MailWakeSettings::from_env(&env, app_env),
    })
}

#[test]
fn defaults_follow_the_design() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.process.app_env, AppEnv::Development);
    assert_eq!(s.process.port, 8080);
    assert_eq!(s.mail_job.reset_token_expire_minutes, 60);
    assert_eq!(
        s.pictures.default_avatar_url,
        "/static/profile_pics/default.jpg"
    );
    assert_eq!(s.pictures.media_public_url, "/media");
    assert_eq!(s.redis.key_prefix, "folio");
}

#[test]
fn production_requires_the_database_url() {
    let err = settings(&[("APP_ENV", "production")]).unwrap_err();
    assert_eq!(err.variable, "DATABASE_URL");
    assert_eq!(
        err.to_string(),
        "configuration error: DATABASE_URL: is required in production"
    );
}

#[test]
fn a_malformed_number_names_its_variable() {
    let err = settings(&[("PORT", "eighty")]).unwrap_err();
    assert_eq!(err.variable, "PORT");
    assert!(err.to_string().contains("`eighty`"));
}

#[test]
fn reset_link_lifetimes_are_bounded() {
    let err = settings(&[("RESET_TOKEN_EXPIRE_MINUTES", "10081")]).unwrap_err();
    assert_eq!(err.variable, "RESET_TOKEN_EXPIRE_MINUTES");
    assert_eq!(err.reason, "must be between 1 and 10080");
}

#[test]
fn an_unknown_app_env_is_refused() {
    let err = settings(&[("APP_ENV", "staging")]).unwrap_err();
    assert_eq!(err.variable, "APP_ENV");
}

#[test]
fn booleans_accept_common_spellings_and_refuse_others() {
    let off = settings(&[("DATABASE_PREPARED_STATEMENTS", "False")]).unwrap();
    assert!(!off.database.prepared_statements);
    let err = settings(&[("DATABASE_PREPARED_STATEMENTS", "maybe")]).unwrap_err();
    assert_eq!(err.variable, "DATABASE_PREPARED_STATEMENTS");
}

#[test]
fn origins_must_be_exact() {
    let s = settings(&[(
        "ALLOWED_ORIGINS",
        "https://blog.example.com, http://localhost:5173/",
    )])
    .unwrap();
    assert_eq!(
        s.allowed_origins,
        ["https://blog.example.com", "http://localhost:5173"]
    );
    for bad in ["*", "https://*.example.com", "https://a.com/path", "a.com"] {
        let err = settings(&[("ALLOWED_ORIGINS", bad)]).unwrap_err();
        assert_eq!(err.variable, "ALLOWED_ORIGINS", "{bad}");
    }
}

#[test]
fn secrets_do_not_appear_in_debug_output() {
    let s = settings(&[
        ("DATABASE_URL", "postgres://u:hunter2@db/folio"),
        ("JWT_PRIVATE_KEY", "private-pem"),
        ("MAIL_JOB_KEY", "job-key"),
    ])
    .unwrap();
    let debug = format!("{s:?}");
    for secret in ["hunter2", "private-pem", "job-key"] {
        assert!(!debug.contains(secret), "{secret} leaked");
    }
    assert_eq!(
        s.jwt.private_key.map(|key| key.expose_secret().to_owned()),
        Some("private-pem".to_owned())
    );
    assert_eq!(
        s.database.url.expose_secret(),
        "postgres://u:hunter2@db/folio"
    );
}

fn production(extra: &[(&str, &str)]) -> Result<Groups, ConfigError> {
    let mut pairs = vec![
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://u:p@db.example.com/folio"),
        ("REDIS_URL", "rediss://:p@redis.example.com:6379"),
        ("FRONTEND_URL", "https://folio.example.com/"),
    ];
    pairs.extend_from_slice(extra);
    settings(&pairs)
}

#[test]
fn production_requires_an_https_frontend_url() {
    let err = settings(&[
        ("APP_ENV", "production"),
        ("DATABASE_URL", "postgres://u:p@db.example.com/folio"),
        ("REDIS_URL", "redis://redis.example.com"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: FRONTEND_URL: is required in production"
    );
    let err = production(&[("FRONTEND_URL", "http://folio.example.com")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: FRONTEND_URL: must start with https:// in production"
    );
    assert_eq!(
        production(&[]).unwrap().frontend_url,
        "https://folio.example.com"
    );
}

#[test]
fn production_database_urls_use_tls_unless_they_say_otherwise() {
    let s = production(&[]).unwrap();
    assert_eq!(
        s.database.url.expose_secret(),
        "postgres://u:p@db.example.com/folio?sslmode=require"
    );
    let with_options = production(&[(
        "DATABASE_URL",
        "postgresql://u:p@db.example.com/folio?connect_timeout=5",
    )])
    .unwrap();
    assert_eq!(
        with_options.database.url.expose_secret(),
        "postgresql://u:p@db.example.com/folio?connect_timeout=5&sslmode=require"
    );
    let local = production(&[(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1/folio?sslmode=disable",
    )])
    .unwrap();
    assert_eq!(
        local.database.url.expose_secret(),
        "postgres://postgres@127.0.0.1/folio?sslmode=disable",
        "an explicit choice is obeyed"
    );
    let key_value =
        production(&[("DATABASE_URL", "host=db.example.com user=u dbname=folio")]).unwrap();
    assert_eq!(
        key_value.database.url.expose_secret(),
        "host=db.example.com user=u dbname=folio sslmode=require"
    );
}

#[test]
fn development_keeps_its_plain_local_defaults() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.frontend_url, "http://localhost:8000");
    assert_eq!(
        s.database.url.expose_secret(),
        "postgres://postgres@127.0.0.1:5432/folio"
    );
}

#[test]
fn development_wakes_the_local_worker_with_the_development_token() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.mail_wake.url().unwrap(), DEV_MAIL_WAKE_URL);
    assert_eq!(
        s.mail_wake.token().unwrap().expose_secret(),
        DEV_MAIL_WAKE_TOKEN
    );
    let err = settings(&[("MAIL_WAKE_URL", "127.0.0.1:8083/internal/wake")])
        .unwrap()
        .mail_wake
        .url()
        .unwrap_err();
    assert_eq!(err.variable, "MAIL_WAKE_URL");
}

#[test]
fn production_requires_the_wake_url_and_a_long_wake_token_where_they_are_used() {
    // The mail worker uses only the token: the group loads without either.
    let s = production(&[]).unwrap();
    assert_eq!(
        s.mail_wake.url().unwrap_err().to_string(),
        "configuration error: MAIL_WAKE_URL: is required in production"
    );
    assert_eq!(
        s.mail_wake.token().unwrap_err().to_string(),
        "configuration error: MAIL_WAKE_TOKEN: is required in production"
    );
    let plain = production(&[("MAIL_WAKE_URL", "http://mail.internal/internal/wake")]).unwrap();
    assert_eq!(
        plain.mail_wake.url().unwrap_err().to_string(),
        "configuration error: MAIL_WAKE_URL: must start with https:// in production"
    );
    let short = production(&[("MAIL_WAKE_TOKEN", DEV_MAIL_WAKE_TOKEN)]).unwrap();
    assert_eq!(
        short.mail_wake.token().unwrap_err().variable,
        "MAIL_WAKE_TOKEN"
    );
    let token = "0123456789abcdef0123456789abcdef";
    let s = production(&[
        (
            "MAIL_WAKE_URL",
            "https://mail.example.run.app/internal/wake",
        ),
        ("MAIL_WAKE_TOKEN", token),
    ])
    .unwrap();
    assert_eq!(s.mail_wake.token().unwrap().expose_secret(), token);
    assert!(
        !format!("{s:?}").contains(token),
        "the token stays out of Debug"
    );
}

fn vars(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_groups_load_without_the_variables_of_single_services() {
    // A service built from groups never reads another service's variables.
    let vars = vars(&[
        ("MAIL_PORT", "abc"),
        ("POSTS_PER_PAGE", "0"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
        ("MAX_UPLOAD_SIZE_BYTES", "-1"),
    ]);
    let env = Env(&vars);
    let process = ProcessSettings::from_env(&env).unwrap();
    assert_eq!(process.port, 8080);
    assert!(DatabaseSettings::from_env(&env, process.app_env).is_ok());
    assert!(RedisSettings::from_env(&env, process.app_env).is_ok());
    assert!(frontend_url(&env, process.app_env).is_ok());
    assert!(allowed_origins(&env).is_ok());
    assert!(JwtSettings::from_env(&env).is_ok());
    assert!(MailJobSettings::from_env(&env).is_ok());
    assert_eq!(
        PictureUrlSettings::from_env(&env).media_public_url,
        "/media"
    );
    assert!(StoreSettings::from_env(&env).s3.bucket.is_none());
}

#[test]
fn a_group_refuses_its_own_bad_value_with_the_line_naming_it() {
    let bad_pool = vars(&[("DATABASE_POOL_SIZE", "0")]);
    assert_eq!(
        DatabaseSettings::from_env(&Env(&bad_pool), AppEnv::Development)
            .unwrap_err()
            .to_string(),
        "configuration error: DATABASE_POOL_SIZE: must be greater than zero"
    );
    let bad_origin = vars(&[("ALLOWED_ORIGINS", "*")]);
    assert_eq!(
        allowed_origins(&Env(&bad_origin)).unwrap_err().variable,
        "ALLOWED_ORIGINS"
    );
    let no_redis = vars(&[]);
    assert_eq!(
        RedisSettings::from_env(&Env(&no_redis), AppEnv::Production)
            .unwrap_err()
            .to_string(),
        "configuration error: REDIS_URL: is required in production"
    );
}

#[test]
fn the_groups_keep_the_defaults_of_the_design() {
    let none = vars(&[]);
    let env = Env(&none);
    let database = DatabaseSettings::from_env(&env, AppEnv::Development).unwrap();
    assert_eq!(database.pool_size, 10);
    assert!(database.prepared_statements);
    assert_eq!(
        database.url.expose_secret(),
        "postgres://postgres@127.0.0.1:5432/folio"
    );
    let redis = RedisSettings::from_env(&env, AppEnv::Development).unwrap();
    assert_eq!(redis.url.expose_secret(), "redis://127.0.0.1:6379");
    assert_eq!(redis.key_prefix, "folio");
    assert!(allowed_origins(&env).unwrap().is_empty());
    assert_eq!(
        JwtSettings::from_env(&env).unwrap().dev_key_file,
        ".dev/jwt-dev-key.pem"
    );
    assert!(StoreSettings::from_env(&env).media_store_url.is_none());
}

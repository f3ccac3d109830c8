use secrecy::ExposeSecret;

use super::*;

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let vars = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_vars(&vars)
}

#[test]
fn defaults_follow_the_design() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.app_env, AppEnv::Development);
    assert_eq!(s.port, 8080);
    assert_eq!(s.access_token_expire_minutes, 30);
    assert_eq!(s.reset_token_expire_minutes, 60);
    assert_eq!(s.posts_per_page, 10);
    assert_eq!(s.max_upload_size_bytes, 5_242_880);
    assert_eq!(s.mail.port, 587);
    assert!(s.mail.use_tls);
    assert_eq!(s.mail.max_attempts, 5);
    assert_eq!(s.mail.concurrency, 4);
    assert_eq!(s.default_avatar_url, "/static/profile_pics/default.jpg");
    assert_eq!(s.media_public_url, "/media");
    assert_eq!(s.redis_key_prefix, "folio");
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
fn zero_is_refused_where_a_positive_value_is_needed() {
    let err = settings(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "0")]).unwrap_err();
    assert_eq!(err.variable, "ACCESS_TOKEN_EXPIRE_MINUTES");
}

#[test]
fn token_lifetimes_are_bounded() {
    let err = settings(&[("ACCESS_TOKEN_EXPIRE_MINUTES", "200000000000000")]).unwrap_err();
    assert_eq!(err.variable, "ACCESS_TOKEN_EXPIRE_MINUTES");
    assert_eq!(err.reason, "must be between 1 and 43200");
    assert!(settings(&[("RESET_TOKEN_EXPIRE_MINUTES", "10081")]).is_err());
}

#[test]
fn an_unknown_app_env_is_refused() {
    let err = settings(&[("APP_ENV", "staging")]).unwrap_err();
    assert_eq!(err.variable, "APP_ENV");
}

#[test]
fn booleans_accept_common_spellings_and_refuse_others() {
    assert!(!settings(&[("MAIL_USE_TLS", "False")]).unwrap().mail.use_tls);
    let err = settings(&[("MAIL_USE_TLS", "maybe")]).unwrap_err();
    assert_eq!(err.variable, "MAIL_USE_TLS");
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
fn posts_per_page_stays_within_the_feed_bounds() {
    let err = settings(&[("POSTS_PER_PAGE", "101")]).unwrap_err();
    assert_eq!(err.variable, "POSTS_PER_PAGE");
}

#[test]
fn secrets_do_not_appear_in_debug_output() {
    let s = settings(&[
        ("DATABASE_URL", "postgres://u:hunter2@db/folio"),
        ("MAIL_PASSWORD", "smtp-secret"),
        ("JWT_PRIVATE_KEY", "private-pem"),
        ("MAIL_JOB_KEY", "job-key"),
    ])
    .unwrap();
    let debug = format!("{s:?}");
    for secret in ["hunter2", "smtp-secret", "private-pem", "job-key"] {
        assert!(!debug.contains(secret), "{secret} leaked");
    }
    assert_eq!(
        s.database_url.expose_secret(),
        "postgres://u:hunter2@db/folio"
    );
}

#[test]
fn migrations_prefer_the_direct_url() {
    let s = settings(&[
        ("DATABASE_URL", "postgres://pooled/db"),
        ("DATABASE_DIRECT_URL", "postgres://direct/db"),
    ])
    .unwrap();
    assert_eq!(
        s.migration_database_url().expose_secret(),
        "postgres://direct/db"
    );
}

fn production(extra: &[(&str, &str)]) -> Result<Settings, ConfigError> {
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
    let s = production(&[(
        "DATABASE_DIRECT_URL",
        "postgresql://u:p@db.example.com/folio?connect_timeout=5",
    )])
    .unwrap();
    assert_eq!(
        s.database_url.expose_secret(),
        "postgres://u:p@db.example.com/folio?sslmode=require"
    );
    assert_eq!(
        s.database_direct_url.unwrap().expose_secret(),
        "postgresql://u:p@db.example.com/folio?connect_timeout=5&sslmode=require"
    );
    let local = production(&[(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1/folio?sslmode=disable",
    )])
    .unwrap();
    assert_eq!(
        local.database_url.expose_secret(),
        "postgres://postgres@127.0.0.1/folio?sslmode=disable",
        "an explicit choice is obeyed"
    );
    let key_value =
        production(&[("DATABASE_URL", "host=db.example.com user=u dbname=folio")]).unwrap();
    assert_eq!(
        key_value.database_url.expose_secret(),
        "host=db.example.com user=u dbname=folio sslmode=require"
    );
}

#[test]
fn development_keeps_its_plain_local_defaults() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.frontend_url, "http://localhost:8000");
    assert_eq!(
        s.database_url.expose_secret(),
        "postgres://postgres@127.0.0.1:5432/folio"
    );
}

#[test]
fn the_mail_worker_keeps_a_ten_minute_active_window_and_goes_quiet_by_default() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.mail_wake.active_secs, 600);
    assert!(!s.mail_wake.always_on);
    let s = settings(&[("MAIL_ACTIVE_SECONDS", "2"), ("MAIL_ALWAYS_ON", "true")]).unwrap();
    assert_eq!(
        s.mail_wake.active_window(),
        std::time::Duration::from_secs(2)
    );
    assert!(s.mail_wake.always_on);
    let err = settings(&[("MAIL_ACTIVE_SECONDS", "0")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: MAIL_ACTIVE_SECONDS: must be greater than zero"
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
    // Posts and media use neither: their settings load without them.
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

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn each_group_loads_without_the_variables_of_the_others() {
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
    assert!(HttpSettings::from_env(&env, process.app_env).is_ok());
    assert!(JwtSettings::from_env(&env).is_ok());
    assert!(MailWakeSettings::from_env(&env, process.app_env).is_ok());
    assert_eq!(
        PictureUrlSettings::from_env(&env).media_public_url,
        "/media"
    );
    assert_eq!(
        MailSettings::from_env(&env).unwrap_err().to_string(),
        "configuration error: MAIL_PORT: `abc` is not a valid whole number in range"
    );
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
    let bad_hops = vars(&[("TRUSTED_PROXY_HOPS", "many")]);
    assert_eq!(
        HttpSettings::from_env(&Env(&bad_hops), AppEnv::Development)
            .unwrap_err()
            .variable,
        "TRUSTED_PROXY_HOPS"
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
        database.migration_url().expose_secret(),
        "postgres://postgres@127.0.0.1:5432/folio"
    );
    let redis = RedisSettings::from_env(&env, AppEnv::Development).unwrap();
    assert_eq!(redis.url.expose_secret(), "redis://127.0.0.1:6379");
    assert_eq!(redis.key_prefix, "folio");
    let http = HttpSettings::from_env(&env, AppEnv::Development).unwrap();
    assert_eq!(http.trusted_proxy_hops, 1);
    assert!(http.allowed_origins.is_empty());
    assert_eq!(
        JwtSettings::from_env(&env).unwrap().dev_key_file,
        ".dev/jwt-dev-key.pem"
    );
    assert!(StoreSettings::from_env(&env).media_store_url.is_none());
}

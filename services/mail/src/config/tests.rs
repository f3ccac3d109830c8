use secrecy::ExposeSecret;

use super::*;

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::from_pairs(pairs)
}

#[test]
fn defaults_follow_the_design() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.mail.port, 587);
    assert!(s.mail.use_tls);
    assert_eq!(s.mail.max_attempts, 5);
    assert_eq!(s.mail.concurrency, 4);
    assert_eq!(s.mail_job.reset_token_expire_minutes, 60);
}

#[test]
fn booleans_accept_common_spellings_and_refuse_others() {
    assert!(!settings(&[("MAIL_USE_TLS", "False")]).unwrap().mail.use_tls);
    let err = settings(&[("MAIL_USE_TLS", "maybe")]).unwrap_err();
    assert_eq!(err.variable, "MAIL_USE_TLS");
}

#[test]
fn the_smtp_password_does_not_appear_in_debug_output() {
    let s = settings(&[("MAIL_PASSWORD", "smtp-secret")]).unwrap();
    assert!(!format!("{s:?}").contains("smtp-secret"));
    assert_eq!(s.mail.password.expose_secret(), "smtp-secret");
}

#[test]
fn the_mail_worker_keeps_a_ten_minute_active_window_and_goes_quiet_by_default() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.window.active_secs, 600);
    assert!(!s.window.always_on);
    let s = settings(&[("MAIL_ACTIVE_SECONDS", "2"), ("MAIL_ALWAYS_ON", "true")]).unwrap();
    assert_eq!(s.window.active_window(), Duration::from_secs(2));
    assert!(s.window.always_on);
    let err = settings(&[("MAIL_ACTIVE_SECONDS", "0")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: MAIL_ACTIVE_SECONDS: must be greater than zero"
    );
}

#[test]
fn a_bad_variable_of_another_service_does_not_stop_the_mail_worker() {
    let s = settings(&[
        ("POSTS_PER_PAGE", "0"),
        ("POST_RATE_LIMIT_PER_MINUTE", "0"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
        ("LOGIN_RATE_LIMIT_PER_MINUTE", "none"),
        ("MAX_UPLOAD_SIZE_BYTES", "0"),
        // The HTTP edge's CORS and proxy settings: the worker answers no browser.
        ("ALLOWED_ORIGINS", "https://x.example/path"),
        ("TRUSTED_PROXY_HOPS", "many"),
    ]);
    assert!(s.is_ok(), "{s:?}");
}

#[test]
fn its_own_bad_value_still_stops_the_mail_worker_with_one_line() {
    assert_eq!(
        settings(&[("MAIL_PORT", "abc")]).unwrap_err().to_string(),
        "configuration error: MAIL_PORT: `abc` is not a valid whole number in range"
    );
}

use super::*;

fn key() -> SigningKey {
    SigningKey::from_pem(&SigningKey::generate_pem()).unwrap()
}

fn claims(exp_offset: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: "42".into(),
        exp: now + exp_offset,
        iat: now,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        ver: 0,
    }
}

#[test]
fn a_signed_token_verifies_with_the_published_jwks() {
    let key = key();
    let jwks = PublicKeys::from_signing_key(&key).jwks().to_string();
    let verifier = PublicKeys::from_jwks(&jwks).unwrap();
    assert_eq!(
        verifier.verify(&key.sign(&claims(60))).unwrap().user_id(),
        Some(42)
    );
}

#[test]
fn a_token_of_another_key_is_refused() {
    let verifier = PublicKeys::from_signing_key(&key());
    assert!(matches!(
        verifier.verify(&key().sign(&claims(60))),
        Err(TokenError::Invalid(_))
    ));
}

#[test]
fn an_expired_token_is_refused() {
    let key = key();
    let verifier = PublicKeys::from_signing_key(&key);
    assert_eq!(
        verifier.verify(&key.sign(&claims(-60))),
        Err(TokenError::Expired)
    );
}

#[test]
fn the_kid_is_the_rfc7638_thumbprint() {
    // RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    assert_eq!(
        thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}

#[test]
fn openssl_style_pkcs8_v1_keys_are_accepted() {
    // `openssl genpkey -algorithm ed25519` output (RFC 8037's example private key).
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";
    let key = SigningKey::from_pem(pem).unwrap();
    assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

#[test]
fn non_ed25519_jwks_are_refused() {
    let err = PublicKeys::from_jwks(r#"{"keys":[{"kty":"RSA","kid":"a","x":"b"}]}"#);
    assert!(err.is_err());
}

/// The keys of a process whose environment is `pairs`.
fn keys(pairs: &[(&str, &str)], needs_signing: bool) -> Result<Keys, ConfigError> {
    let vars = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let env = crate::config::Env(&vars);
    let process = crate::config::ProcessSettings::from_env(&env).unwrap();
    Keys::from_settings(
        &JwtSettings::from_env(&env).unwrap(),
        process.app_env,
        needs_signing,
    )
}

const PRODUCTION: [(&str, &str); 4] = [
    ("APP_ENV", "production"),
    ("DATABASE_URL", "postgres://db/folio"),
    ("REDIS_URL", "redis://cache"),
    ("FRONTEND_URL", "https://folio.example.com"),
];

#[test]
fn production_auth_refuses_to_start_without_a_private_key() {
    let err = keys(&PRODUCTION, true).err().unwrap();
    assert_eq!(err.variable, "JWT_PRIVATE_KEY");
}

#[test]
fn production_verifiers_refuse_to_start_without_public_keys() {
    let err = keys(&PRODUCTION, false).err().unwrap();
    assert_eq!(err.variable, "JWT_PUBLIC_KEYS");
}

#[test]
fn production_verifiers_use_the_configured_jwks_and_never_a_dev_key() {
    let key = key();
    let jwks = PublicKeys::from_signing_key(&key).jwks().to_string();
    let mut pairs = PRODUCTION.to_vec();
    pairs.push(("JWT_PUBLIC_KEYS", &jwks));
    pairs.push(("JWT_DEV_KEY_FILE", "/nonexistent/never-read.pem"));
    let keys = keys(&pairs, false).unwrap();
    assert!(keys.signing.is_none());
    assert!(keys.public.verify(&key.sign(&claims(60))).is_ok());
}

#[test]
fn a_malformed_private_key_names_its_variable() {
    let err = keys(&[("JWT_PRIVATE_KEY", "not a pem")], true)
        .err()
        .unwrap();
    assert_eq!(err.variable, "JWT_PRIVATE_KEY");
}

#[test]
fn the_dev_key_is_created_once_and_then_reused() {
    let dir = std::env::temp_dir().join(format!("folio-devkey-{}", uuid::Uuid::new_v4()));
    let path = dir.join("key.pem");
    let first = load_or_create_dev_key(&path).unwrap();
    let second = load_or_create_dev_key(&path).unwrap();
    assert_eq!(first.expose_secret(), second.expose_secret());
    SigningKey::from_pem(first.expose_secret()).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

//! Tokens as auth would sign them.

use secrecy::ExposeSecret;

use crate::{
    config::JwtSettings,
    jwt::{AUDIENCE, Claims, ISSUER, SigningKey},
};

/// Claims for `user_id` at token version 0, valid for an hour.
pub fn valid_claims(user_id: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user_id.to_string(),
        exp: now + 3600,
        iat: now,
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        ver: 0,
    }
}

/// Signs `claims` with the private key of `settings` (as auth would).
pub fn sign(settings: &JwtSettings, claims: &Claims) -> String {
    let pem = settings
        .private_key
        .as_ref()
        .expect("test settings carry a private key")
        .expose_secret();
    SigningKey::from_pem(pem)
        .expect("a valid test key")
        .sign(claims)
}

//! Signs access tokens: the only holder of `JWT_PRIVATE_KEY` in Folio.

use folio_shared::jwt::{AUDIENCE, Claims, ISSUER, SigningKey};

/// Signs access tokens of a fixed lifetime.
pub struct TokenIssuer {
    key: SigningKey,
    /// Lifetime of access tokens (`ACCESS_TOKEN_EXPIRE_MINUTES`).
    ttl: chrono::Duration,
}

impl TokenIssuer {
    /// Tokens signed with `key`, valid for `ttl`.
    pub fn new(key: SigningKey, ttl: chrono::Duration) -> Self {
        Self { key, ttl }
    }

    /// Signs an access token for `user_id` at `token_version`.
    pub fn issue(&self, user_id: i64, token_version: i32) -> String {
        let now = chrono::Utc::now();
        self.key.sign(&Claims {
            sub: user_id.to_string(),
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            ver: token_version,
        })
    }
}

//! The token group: the keys tokens are signed and checked with.

use secrecy::SecretString;

use super::{ConfigError, Env};

/// `JWT_*`: auth signs with the private key; every service verifies with the public keys
/// (or the public half of the private key, or of the development key file).
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `JWT_PRIVATE_KEY`: Ed25519 PKCS#8 PEM; auth signs with it, the others use its
    /// public half when `JWT_PUBLIC_KEYS` is unset.
    pub private_key: Option<SecretString>,
    /// `JWT_PUBLIC_KEYS`: JWKS JSON of the keys tokens may be signed with.
    pub public_keys: Option<String>,
    /// `JWT_DEV_KEY_FILE` (`.dev/jwt-dev-key.pem`): development key shared by local services.
    pub dev_key_file: String,
}

impl JwtSettings {
    /// Reads the group; the keys themselves are checked by `jwt::Keys` where they are used.
    pub fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            private_key: env.get("JWT_PRIVATE_KEY").map(Into::into),
            public_keys: env.get("JWT_PUBLIC_KEYS"),
            dev_key_file: env.get_or("JWT_DEV_KEY_FILE", ".dev/jwt-dev-key.pem"),
        })
    }
}

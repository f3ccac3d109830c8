//! The claims of a valid token, as auth would issue them.

use crate::jwt::{AUDIENCE, Claims, ISSUER};

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

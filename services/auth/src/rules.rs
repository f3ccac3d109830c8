//! The field rules more than one endpoint checks, written once so every path agrees (and
//! `docs.rs` documents them in the OpenAPI document).

use folio_shared::validation::Validator;

use crate::error::AuthError;

/// Checks a normalised username: see [`crate::username`].
pub fn check_username(v: &mut Validator, username: &str) {
    crate::username::check(v, username);
}

/// Checks an email the same way on every path: at most 120 characters, an address.
pub fn check_email(v: &mut Validator, email: &str) {
    v.email("email", email, 120);
}

/// A new password (change or reset) needs at least 8 characters.
pub fn check_new_password(new_password: &str) -> Result<(), AuthError> {
    Ok(Validator::new()
        .length("new_password", new_password, 8, None)
        .finish()?)
}

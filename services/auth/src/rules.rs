//! The field rules more than one endpoint checks, declared once: every path checks them
//! with these, and `docs.rs` states the same rules in the OpenAPI document.

use folio_shared::validation::{EmailRule, TextRule, Validator};

use crate::{error::AuthError, username::FORBIDDEN};

/// A username, once normalised (see [`crate::username`]): 1 to 50 characters, none of
/// them hidden or line-breaking.
pub const USERNAME: TextRule = TextRule::new(1, Some(50)).forbidding(FORBIDDEN);

/// An email address, at most 120 characters (the FastAPI blog's column).
pub const EMAIL: EmailRule = EmailRule { max_chars: 120 };

/// A password (a new account's, or a changed or reset one): at least 8 characters.
pub const PASSWORD: TextRule = TextRule::new(8, None);

/// Checks a normalised username.
pub fn check_username(v: &mut Validator, username: &str) {
    v.text("username", username, &USERNAME);
}

/// Checks an email the same way on every path.
pub fn check_email(v: &mut Validator, email: &str) {
    v.email("email", email, &EMAIL);
}

/// Checks a new password (change or reset).
pub fn check_new_password(new_password: &str) -> Result<(), AuthError> {
    Ok(Validator::new()
        .text("new_password", new_password, &PASSWORD)
        .finish()?)
}

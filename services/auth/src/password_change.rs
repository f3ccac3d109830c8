//! Changing the password while logged in: the current password is checked (throttled per
//! user), then [`PasswordReplacement`] ends every issued token and queues the "your
//! password was changed" mail in the same transaction.

use folio_shared::{auth::BearerAuth, validation::StrictString};
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use crate::{
    current_password::CurrentPassword,
    error::AuthError,
    password_replacement::{Holder, Message, PasswordReplacement},
    rules::check_new_password,
};

/// Password change endpoint.
pub struct PasswordChangeApi {
    current_password: CurrentPassword,
    replacement: PasswordReplacement,
}

impl PasswordChangeApi {
    /// The endpoint: checks with `current_password`, replaces with `replacement`.
    pub fn new(current_password: CurrentPassword, replacement: PasswordReplacement) -> Self {
        Self {
            current_password,
            replacement,
        }
    }
}

/// The current and the new password.
/// Not `Debug`: it carries a secret.
#[derive(Object)]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: StrictString,
    /// At least 8 characters.
    pub new_password: StrictString,
}

#[derive(ApiResponse)]
enum ChangePasswordResponse {
    /// Changed; log in again with the new password.
    #[oai(status = 200)]
    Ok(Json<Message>),
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Passwords.
    Passwords,
}

#[OpenApi(tag = "Tags::Passwords")]
impl PasswordChangeApi {
    /// Change your password; every existing token stops working.
    #[oai(path = "/api/users/me/password", method = "patch")]
    async fn change_password(
        &self,
        auth: BearerAuth,
        body: Json<ChangePassword>,
    ) -> Result<ChangePasswordResponse, AuthError> {
        let new_password = body.0.new_password.into_inner();
        check_new_password(&new_password)?;
        let account_id = auth.0.id;
        let current_password = body.0.current_password.into_inner();
        self.current_password
            .verify(account_id, current_password)
            .await?;
        self.replacement
            .replace(Holder::Account(account_id), new_password)
            .await?;
        tracing::info!(user_id = account_id, "password changed");
        Ok(ChangePasswordResponse::Ok(Json(Message {
            message: "Password changed successfully".to_owned(),
        })))
    }
}

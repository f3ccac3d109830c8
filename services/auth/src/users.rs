//! Accounts: register, read (self and public), update, delete.

use std::sync::Arc;

use folio_shared::{
    auth::BearerAuth,
    db::{Queryable, Sql},
    queue::{MailJob, MailKind, insert_outbox},
    users::{UserPrivate, UserPublic, UserRow, find_user},
    validation::{StrictString, Validator},
};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use tokio_postgres::types::Type;

use crate::{error::AuthError, repo::void_reset_tokens, startup::AppState};

/// Account endpoints.
pub struct UsersApi {
    state: Arc<AppState>,
}

impl UsersApi {
    /// The endpoints over shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

/// A new account.
/// Not `Debug`: it carries a secret.
#[derive(Object)]
pub struct CreateUser {
    /// 1 to 50 characters, unique in any letter case.
    pub username: StrictString,
    /// At most 120 characters, unique in any letter case; stored lowercased.
    pub email: StrictString,
    /// At least 8 characters.
    pub password: StrictString,
}

/// Fields to change; absent fields stay as they are.
/// Not `Debug`: it carries a secret.
#[derive(Object)]
pub struct UpdateUser {
    /// 1 to 50 characters, unique in any letter case.
    pub username: Option<StrictString>,
    /// At most 120 characters, unique in any letter case; stored lowercased.
    pub email: Option<StrictString>,
    /// The password in use now: required to change the email, ignored otherwise.
    pub current_password: Option<StrictString>,
}

/// Checks a username the same way on every path.
pub fn check_username(v: &mut Validator, username: &str) {
    crate::username::check(v, username);
}

/// Checks an email the same way on every path.
pub fn check_email(v: &mut Validator, email: &str) {
    v.email("email", email, 120);
}

#[derive(ApiResponse)]
enum CreateUserResponse {
    /// The account was created.
    #[oai(status = 201)]
    Created(Json<UserPrivate>),
}

#[derive(ApiResponse)]
enum GetMeResponse {
    /// The caller's own account.
    #[oai(status = 200)]
    Ok(Json<UserPrivate>),
}

#[derive(ApiResponse)]
enum GetUserResponse {
    /// The public view of the account.
    #[oai(status = 200)]
    Ok(folio_shared::http::TaggedJson<UserPublic>),
}

#[derive(ApiResponse)]
enum UpdateUserResponse {
    /// The updated account.
    #[oai(status = 200)]
    Ok(Json<UserPrivate>),
}

#[derive(ApiResponse)]
enum DeleteUserResponse {
    /// The account, its posts, tokens and picture are gone.
    #[oai(status = 204)]
    Deleted,
}

const INSERT_USER: Sql = Sql::new(
    "insert into users (username, email, password_hash) values ($1, $2, $3) \
     returning id, username, email, image_file",
    &[Type::VARCHAR, Type::VARCHAR, Type::TEXT],
);

const UPDATE_USER: Sql = Sql::new(
    "update users set username = coalesce($2, username), email = coalesce($3, email), \
     updated_at = now() where id = $1 returning id, username, email, image_file",
    &[Type::INT8, Type::VARCHAR, Type::VARCHAR],
);

const DELETE_USER: Sql = Sql::new(
    "delete from users where id = $1 returning image_file",
    &[Type::INT8],
);

// Locks the row for the rest of the transaction and reads the address the notice goes to.
const EMAIL_FOR_UPDATE: Sql = Sql::new(
    "select email from users where id = $1 for update",
    &[Type::INT8],
);

impl UsersApi {
    /// An email change, after the caller's checks (422, 404, 403): duplicates (400), then
    /// the current password (400, throttled), then the update, the voiding of pending reset
    /// links (they were mailed to the old address) and a notice to the old address, in one
    /// transaction. A stolen token alone can no longer move the account to another address.
    async fn change_email(
        &self,
        id: i64,
        username: &Option<String>,
        email: &str,
        current_password: Option<String>,
    ) -> Result<tokio_postgres::Row, AuthError> {
        let mut conn = self.state.db.conn().await?;
        // Only the unique constraints know duplicates for sure, and they answer before the
        // password: a trial update, rolled back, asks them without holding the connection
        // while Argon2 runs.
        let trial = conn.transaction().await?;
        trial
            .query_opt(&UPDATE_USER, &[&id, username, &email])
            .await
            .map_err(AuthError::from_profile_update)?;
        drop(trial); // rolls back
        drop(conn);
        let password = current_password
            .filter(|p| !p.is_empty())
            .ok_or(AuthError::CurrentPasswordRequired)?;
        self.state.verify_current_password(id, password).await?;
        let mut conn = self.state.db.conn().await?;
        let tx = conn.transaction().await?;
        let old_email: String = tx
            .query_opt(&EMAIL_FOR_UPDATE, &[&id])
            .await?
            .ok_or(AuthError::UserNotFound)?
            .get("email");
        let row = tx
            .query_opt(&UPDATE_USER, &[&id, username, &email])
            .await
            .map_err(AuthError::from_profile_update)?
            .ok_or(AuthError::UserNotFound)?;
        void_reset_tokens(&tx, id).await?;
        let job = MailJob::new(MailKind::EmailChanged, &old_email, row.get("username"), "");
        insert_outbox(&tx, &job).await?;
        tx.commit().await?;
        drop(conn);
        self.state.send_mail(&job).await;
        tracing::info!(user_id = id, "email changed");
        Ok(row)
    }
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Accounts and profiles.
    Users,
}

#[OpenApi(tag = "Tags::Users")]
impl UsersApi {
    /// Register a new account.
    #[oai(path = "/api/users", method = "post")]
    async fn create_user(
        &self,
        req: &poem::Request,
        body: Json<CreateUser>,
    ) -> poem::Result<CreateUserResponse> {
        let CreateUser {
            username,
            email,
            password,
        } = body.0;
        let username = crate::username::normalise(&username);
        let password = password.into_inner();
        // Validate what is stored: lowercasing can lengthen some characters (U+0130).
        let email = email.to_lowercase();
        let mut v = Validator::new();
        check_username(&mut v, &username);
        check_email(&mut v, &email);
        v.length("password", &password, 8, None);
        v.finish().map_err(AuthError::from)?;
        let ip = folio_shared::rate_limit::client_ip(req, self.state.trusted_proxy_hops);
        self.state
            .enforce_limits(&[("register-ip", &ip)], self.state.register_limit)
            .await?;
        let hash = self
            .state
            .passwords
            .hash(password)
            .await
            .map_err(AuthError::from)?;
        let conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let row = conn
            .query_opt(&INSERT_USER, &[&username, &email, &hash])
            .await
            .map_err(AuthError::from_registration)?
            .ok_or_else(|| AuthError::Internal(anyhow::anyhow!("insert returned no row")))?;
        let user = UserRow::from_row(&row);
        tracing::info!(user_id = user.id, "user registered");
        Ok(CreateUserResponse::Created(Json(
            self.state.urls.private(&user),
        )))
    }

    /// The account of the token's owner.
    #[oai(path = "/api/users/me", method = "get")]
    async fn get_me(&self, auth: BearerAuth) -> poem::Result<GetMeResponse> {
        let conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let user = find_user(&conn, auth.0.id)
            .await
            .map_err(AuthError::from)?
            .ok_or(AuthError::UserNotFound)?;
        Ok(GetMeResponse::Ok(Json(self.state.urls.private(&user))))
    }

    /// Anyone's public profile.
    #[oai(path = "/api/users/:id", method = "get")]
    async fn get_user(&self, id: Path<i64>) -> poem::Result<GetUserResponse> {
        let conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let user = find_user(&conn, id.0)
            .await
            .map_err(AuthError::from)?
            .ok_or(AuthError::UserNotFound)?;
        // Tagged, so a client holding the profile gets a 304 (a renamed user or a new
        // picture changes the bytes, so the tag).
        let profile = poem_openapi::types::ToJSON::to_json(&self.state.urls.public(&user));
        let profile = folio_shared::http::Representation::json(&profile)
            .map_err(|err| AuthError::Internal(err.into()))?;
        Ok(GetUserResponse::Ok(folio_shared::http::TaggedJson::new(
            profile,
        )))
    }

    /// Change your username and/or email.
    #[oai(path = "/api/users/:id", method = "patch")]
    async fn update_user(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
        body: Json<UpdateUser>,
    ) -> poem::Result<UpdateUserResponse> {
        let UpdateUser {
            username,
            email,
            current_password,
        } = body.0;
        let username = username.map(|name| crate::username::normalise(&name));
        let email = email.map(|e| e.to_lowercase());
        let mut v = Validator::new();
        if let Some(username) = &username {
            check_username(&mut v, username);
        }
        if let Some(email) = &email {
            check_email(&mut v, email);
        }
        v.finish().map_err(AuthError::from)?;
        let conn = self.state.db.conn().await.map_err(AuthError::from)?;
        let user = find_user(&conn, id.0)
            .await
            .map_err(AuthError::from)?
            .ok_or(AuthError::UserNotFound)?;
        if id.0 != auth.0.id {
            return Err(AuthError::NotAuthorizedToUpdate.into());
        }
        // The address it has already is no change: nothing to confirm, nobody to tell.
        let row = match email.filter(|e| *e != user.email.to_lowercase()) {
            Some(email) => {
                drop(conn);
                let password = current_password.map(StrictString::into_inner);
                self.change_email(id.0, &username, &email, password).await?
            }
            None => conn
                .query_opt(&UPDATE_USER, &[&id.0, &username, &None::<String>])
                .await
                .map_err(AuthError::from_profile_update)?
                .ok_or(AuthError::UserNotFound)?,
        };
        Ok(UpdateUserResponse::Ok(Json(
            self.state.urls.private(&UserRow::from_row(&row)),
        )))
    }

    /// Delete your account with its posts, reset tokens and picture.
    #[oai(path = "/api/users/:id", method = "delete")]
    async fn delete_user(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
    ) -> poem::Result<DeleteUserResponse> {
        let conn = self.state.db.conn().await.map_err(AuthError::from)?;
        find_user(&conn, id.0)
            .await
            .map_err(AuthError::from)?
            .ok_or(AuthError::UserNotFound)?;
        if id.0 != auth.0.id {
            return Err(AuthError::NotAuthorizedToDelete.into());
        }
        let row = conn
            .query_opt(&DELETE_USER, &[&id.0])
            .await
            .map_err(AuthError::from)?;
        let image_file: Option<String> = row.and_then(|r| r.get("image_file"));
        if let Some(file) = image_file {
            // The account is gone either way; a picture the store failed to delete is
            // logged for cleanup rather than turned into an error for the user.
            if let Err(err) = self.state.media.delete_profile_picture(&file).await {
                tracing::error!(error = %err, image_file = %file, "could not delete the picture of a deleted user");
            }
        }
        tracing::info!(user_id = id.0, "user deleted");
        Ok(DeleteUserResponse::Deleted)
    }
}

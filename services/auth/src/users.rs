//! Accounts: register, read (self and public), update, delete.

use anyhow::Context;
use folio_model::{
    pictures::PictureStore,
    users::{ImageUrls, UserPrivate, UserPublic, UserRow, find_user},
};
use folio_shared::{
    auth::BearerAuth,
    db::{Db, Queryable, Sql},
    validation::{StrictString, Validator},
};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};
use tokio_postgres::types::Type;

use crate::{
    current_password::CurrentPassword,
    email_change::update_profile,
    error::AuthError,
    limits::RateLimits,
    mail::Mail,
    passwords::Passwords,
    rules::{PASSWORD, check_email, check_username},
};

/// Account endpoints, built field by field in `startup`.
pub struct UsersApi {
    /// Postgres.
    pub db: Db,
    /// Builds `image_path`.
    pub urls: ImageUrls,
    /// Hashes new accounts' passwords.
    pub passwords: Passwords,
    /// Keeps the registration limit.
    pub limits: RateLimits,
    /// Registrations per minute, per client.
    pub registrations_per_minute: u32,
    /// Guards an email change.
    pub current_password: CurrentPassword,
    /// Tells the old address of an email change.
    pub mail: Mail,
    /// Where profile pictures live (deleted with the account).
    pub media: PictureStore,
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

const DELETE_USER: Sql = Sql::new(
    "delete from users where id = $1 returning image_file",
    &[Type::INT8],
);

/// The user with `id`, or 404.
async fn existing_user(conn: &impl Queryable, id: i64) -> Result<UserRow, AuthError> {
    find_user(conn, id).await?.ok_or(AuthError::UserNotFound)
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
    ) -> Result<CreateUserResponse, AuthError> {
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
        v.text("password", &password, &PASSWORD);
        v.finish()?;
        self.limits
            .per_client(req, "register-ip", self.registrations_per_minute)
            .await?;
        let hash = self.passwords.hash(password).await?;
        let conn = self.db.conn().await?;
        let row = conn
            .query_opt(&INSERT_USER, &[&username, &email, &hash])
            .await
            .map_err(AuthError::from_registration)?
            .context("the insert returned no row")?;
        let user = UserRow::from_row(&row);
        tracing::info!(user_id = user.id, "user registered");
        Ok(CreateUserResponse::Created(Json(self.urls.private(&user))))
    }

    /// The account of the token's owner.
    #[oai(path = "/api/users/me", method = "get")]
    async fn get_me(&self, auth: BearerAuth) -> Result<GetMeResponse, AuthError> {
        let conn = self.db.conn().await?;
        let user = existing_user(&conn, auth.0.id).await?;
        Ok(GetMeResponse::Ok(Json(self.urls.private(&user))))
    }

    /// Anyone's public profile.
    #[oai(path = "/api/users/:id", method = "get")]
    async fn get_user(&self, id: Path<i64>) -> Result<GetUserResponse, AuthError> {
        let conn = self.db.conn().await?;
        let user = existing_user(&conn, id.0).await?;
        // Tagged, so a client holding the profile gets a 304 (a renamed user or a new
        // picture changes the bytes, so the tag).
        let profile = poem_openapi::types::ToJSON::to_json(&self.urls.public(&user));
        let profile =
            folio_shared::http::Representation::json(&profile).context("serialising a profile")?;
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
    ) -> Result<UpdateUserResponse, AuthError> {
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
        v.finish()?;
        let conn = self.db.conn().await?;
        let user = existing_user(&conn, id.0).await?;
        if id.0 != auth.0.id {
            return Err(AuthError::NotAuthorizedToUpdate);
        }
        // The address it has already is no change: nothing to confirm, nobody to tell.
        let row = match email.filter(|e| *e != user.email.to_lowercase()) {
            Some(email) => {
                drop(conn);
                let password = current_password.map(StrictString::into_inner);
                self.change_email(id.0, &username, &email, password).await?
            }
            None => update_profile(&conn, id.0, &username, None)
                .await?
                .ok_or(AuthError::UserNotFound)?,
        };
        Ok(UpdateUserResponse::Ok(Json(
            self.urls.private(&UserRow::from_row(&row)),
        )))
    }

    /// Delete your account with its posts, reset tokens and picture.
    #[oai(path = "/api/users/:id", method = "delete")]
    async fn delete_user(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
    ) -> Result<DeleteUserResponse, AuthError> {
        let conn = self.db.conn().await?;
        existing_user(&conn, id.0).await?;
        if id.0 != auth.0.id {
            return Err(AuthError::NotAuthorizedToDelete);
        }
        let row = conn.query_opt(&DELETE_USER, &[&id.0]).await?;
        let image_file: Option<String> = row.and_then(|r| r.get("image_file"));
        if let Some(file) = image_file {
            // The account is gone either way; a picture the store failed to delete is
            // logged for cleanup rather than turned into an error for the user.
            if let Err(err) = self.media.delete_profile_picture(&file).await {
                tracing::error!(error = %err, image_file = %file, "could not delete the picture of a deleted user");
            }
        }
        tracing::info!(user_id = id.0, "user deleted");
        Ok(DeleteUserResponse::Deleted)
    }
}

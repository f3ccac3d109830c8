//! The user shapes every service returns, and the one way `image_path` is built.

use folio_shared::{
    config::PictureUrlSettings,
    db::{DbError, Queryable, Sql},
};
use poem_openapi::Object;
use tokio_postgres::{Row, types::Type};

use crate::pictures::PROFILE_PICS;

const USER_BY_ID: Sql = Sql::new(
    "select id, username, email, image_file from users where id = $1",
    &[Type::INT8],
);

/// The user with `id`, if any (auth and media both read it).
pub async fn find_user(db: &impl Queryable, id: i64) -> Result<Option<UserRow>, DbError> {
    Ok(db
        .query_opt(&USER_BY_ID, &[&id])
        .await?
        .as_ref()
        .map(UserRow::from_row))
}

/// A user as stored, without the password hash.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Display name.
    pub username: String,
    /// Lowercased email.
    pub email: String,
    /// Stored picture file name, if any.
    pub image_file: Option<String>,
}

impl UserRow {
    /// Reads the `id, username, email, image_file` columns of a row.
    pub fn from_row(row: &Row) -> Self {
        Self {
            id: row.get("id"),
            username: row.get("username"),
            email: row.get("email"),
            image_file: row.get("image_file"),
        }
    }
}

/// Builds `image_path`: `MEDIA_PUBLIC_URL/profile_pics/<image_file>`, or the default avatar.
#[derive(Debug, Clone)]
pub struct ImageUrls {
    media_public_url: String,
    default_avatar_url: String,
}

impl ImageUrls {
    /// From `MEDIA_PUBLIC_URL` and `DEFAULT_AVATAR_URL`.
    pub fn from_settings(settings: &PictureUrlSettings) -> Self {
        Self {
            media_public_url: settings.media_public_url.clone(),
            default_avatar_url: settings.default_avatar_url.clone(),
        }
    }

    /// The URL of a user's picture.
    pub fn image_path(&self, image_file: Option<&str>) -> String {
        match image_file {
            Some(file) => format!("{}/{PROFILE_PICS}/{file}", self.media_public_url),
            None => self.default_avatar_url.clone(),
        }
    }

    /// The public view of `user`.
    pub fn public(&self, user: &UserRow) -> UserPublic {
        self.public_user(user.id, user.username.clone(), user.image_file.clone())
    }

    /// The public view of a user from its parts (an author joined to a post).
    pub fn public_user(&self, id: i64, username: String, image_file: Option<String>) -> UserPublic {
        UserPublic {
            id,
            username,
            image_path: self.image_path(image_file.as_deref()),
            image_file,
        }
    }

    /// The owner's view of `user`.
    pub fn private(&self, user: &UserRow) -> UserPrivate {
        UserPrivate {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            image_file: user.image_file.clone(),
            image_path: self.image_path(user.image_file.as_deref()),
        }
    }
}

/// What anyone may see of a user.
#[derive(Debug, Clone, Object, serde::Deserialize, PartialEq, Eq)]
pub struct UserPublic {
    /// Id.
    pub id: i64,
    /// Display name.
    pub username: String,
    /// Stored picture file name, or null.
    pub image_file: Option<String>,
    /// URL of the picture (the default avatar when there is none).
    pub image_path: String,
}

/// What the user sees of themselves: [`UserPublic`] plus the email.
#[derive(Debug, Clone, Object, serde::Deserialize, PartialEq, Eq)]
pub struct UserPrivate {
    /// Id.
    pub id: i64,
    /// Display name.
    pub username: String,
    /// Lowercased email.
    pub email: String,
    /// Stored picture file name, or null.
    pub image_file: Option<String>,
    /// URL of the picture (the default avatar when there is none).
    pub image_path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_path_joins_the_media_url_or_falls_back_to_the_default() {
        let urls = ImageUrls {
            media_public_url: "https://cdn.example.com".into(),
            default_avatar_url: "/static/profile_pics/default.jpg".into(),
        };
        assert_eq!(
            urls.image_path(Some("ab12.jpg")),
            "https://cdn.example.com/profile_pics/ab12.jpg"
        );
        assert_eq!(urls.image_path(None), "/static/profile_pics/default.jpg");
    }
}

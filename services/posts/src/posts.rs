//! One post: create, read, replace (PUT), edit (PATCH), delete. Writes need the author's
//! token; a missing post answers 404 before an ownership 403.

use folio_model::users::ImageUrls;
use folio_shared::{
    auth::BearerAuth,
    db::{Db, Queryable},
    http::{Representation, TaggedJson},
    validation::{StrictString, TextRule, Validator},
};
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json};

use crate::{
    cache::{ReadCache, ReadKey, Reader},
    error::PostsError,
    limits::PostingLimit,
    model::{PostResponse, representation},
    repo,
};

/// A title: 1 to 100 characters (as the FastAPI blog's `varchar(100)`). `check_post`
/// checks it and `docs.rs` states it in the OpenAPI document.
pub const TITLE: TextRule = TextRule::new(1, Some(100));

/// A post's content: 1 to 100,000 characters, far past any article (a novel chapter is
/// ~30,000), and small enough that a feed page of posts this long stays a few megabytes at
/// most (see `repo` on the page byte bound, which also covers longer posts an adopted
/// database holds).
pub const CONTENT: TextRule = TextRule::new(1, Some(100_000));

/// Post endpoints.
pub struct PostsApi {
    db: Db,
    urls: ImageUrls,
    limit: PostingLimit,
    cache: ReadCache,
}

impl PostsApi {
    /// The endpoints over the pool; `limit` bounds how fast one user creates posts; reads
    /// go through `cache`, which every write here empties.
    pub fn new(db: Db, urls: ImageUrls, limit: PostingLimit, cache: ReadCache) -> Self {
        Self {
            db,
            urls,
            limit,
            cache,
        }
    }
}

/// A new post, or every field of a replaced one.
#[derive(Debug, Object)]
pub struct PostCreate {
    /// 1 to 100 characters.
    pub title: StrictString,
    /// 1 to 100,000 characters.
    pub content: StrictString,
}

/// The fields to change; absent ones stay.
#[derive(Debug, Object)]
pub struct PostUpdate {
    /// 1 to 100 characters.
    pub title: Option<StrictString>,
    /// 1 to 100,000 characters.
    pub content: Option<StrictString>,
}

fn check_post(title: Option<&str>, content: Option<&str>) -> Result<(), PostsError> {
    let mut v = Validator::new();
    if let Some(title) = title {
        v.text("title", title, &TITLE);
    }
    if let Some(content) = content {
        v.text("content", content, &CONTENT);
    }
    Ok(v.finish()?)
}

#[derive(ApiResponse)]
enum CreatePostResponse {
    /// The post was created.
    #[oai(status = 201)]
    Created(Json<PostResponse>),
}

#[derive(ApiResponse)]
enum GetPostResponse {
    /// The post.
    #[oai(status = 200)]
    Ok(TaggedJson<PostResponse>),
}

#[derive(ApiResponse)]
enum UpdatePostResponse {
    /// The post as it is now.
    #[oai(status = 200)]
    Ok(Json<PostResponse>),
}

#[derive(ApiResponse)]
enum DeletePostResponse {
    /// The post is gone.
    #[oai(status = 204)]
    Deleted,
}

#[derive(poem_openapi::Tags)]
enum Tags {
    /// Posts.
    Posts,
}

impl PostsApi {
    /// Writes `auth`'s post, within their posting limit.
    async fn create(
        &self,
        auth: BearerAuth,
        PostCreate { title, content }: PostCreate,
    ) -> Result<CreatePostResponse, PostsError> {
        check_post(Some(&title), Some(&content))?;
        // Counted after validation: a refused body writes nothing, so it spends no budget.
        self.limit.check(auth.0.id).await?;
        let conn = self.db.conn().await?;
        let row = repo::insert_post(&conn, auth.0.id, &title, &content)
            .await?
            .ok_or(PostsError::AuthorGone)?;
        let post = PostResponse::from_row(row, &self.urls);
        self.cache.forget_all();
        tracing::info!(post_id = post.id, user_id = auth.0.id, "post created");
        Ok(CreatePostResponse::Created(Json(post)))
    }

    /// A post as sent: kept bytes for an anonymous reader, else from the database.
    async fn read(&self, id: i64, reader: Reader) -> Result<GetPostResponse, PostsError> {
        let post = self
            .cache
            .read(ReadKey::Post(id), reader, self.load_post(id))
            .await?;
        Ok(GetPostResponse::Ok(TaggedJson::new(post)))
    }

    /// A post as sent, from the database.
    async fn load_post(&self, id: i64) -> Result<Representation, PostsError> {
        let conn = self.db.conn().await?;
        let row = repo::find_post(&conn, id)
            .await?
            .ok_or(PostsError::PostNotFound)?;
        representation(&PostResponse::from_row(row, &self.urls))
    }

    /// Applies an owner's change, telling a missing post (404) from someone else's (403).
    async fn update(
        &self,
        id: i64,
        author: i64,
        title: Option<&str>,
        content: Option<&str>,
    ) -> Result<UpdatePostResponse, PostsError> {
        check_post(title, content)?;
        let conn = self.db.conn().await?;
        match repo::update_own_post(&conn, id, author, title, content).await? {
            Some(row) => {
                self.cache.forget_all();
                let post = PostResponse::from_row(row, &self.urls);
                Ok(UpdatePostResponse::Ok(Json(post)))
            }
            None => Err(refusal(&conn, id, PostsError::NotAuthorizedToUpdate).await),
        }
    }

    /// Deletes an owner's post, telling a missing post (404) from someone else's (403).
    async fn delete(&self, id: i64, author: i64) -> Result<DeletePostResponse, PostsError> {
        let conn = self.db.conn().await?;
        if !repo::delete_own_post(&conn, id, author).await? {
            return Err(refusal(&conn, id, PostsError::NotAuthorizedToDelete).await);
        }
        self.cache.forget_all();
        tracing::info!(post_id = id, user_id = author, "post deleted");
        Ok(DeletePostResponse::Deleted)
    }
}

/// Why an owner-only write changed nothing: no such post (404, checked first), else
/// `not_owner` (403), or the failure that kept us from telling.
async fn refusal(conn: &impl Queryable, id: i64, not_owner: PostsError) -> PostsError {
    match repo::author_of(conn, id).await {
        Ok(None) => PostsError::PostNotFound,
        Ok(Some(_)) => not_owner,
        Err(err) => err.into(),
    }
}

#[OpenApi(tag = "Tags::Posts")]
impl PostsApi {
    /// Write a post.
    #[oai(path = "/api/posts", method = "post")]
    async fn create_post(
        &self,
        auth: BearerAuth,
        body: Json<PostCreate>,
    ) -> Result<CreatePostResponse, PostsError> {
        self.create(auth, body.0).await
    }

    /// Read a post.
    #[oai(path = "/api/posts/:id", method = "get")]
    async fn get_post(&self, id: Path<i64>, reader: Reader) -> Result<GetPostResponse, PostsError> {
        self.read(id.0, reader).await
    }

    /// Replace your post's title and content.
    #[oai(path = "/api/posts/:id", method = "put")]
    async fn replace_post(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
        body: Json<PostCreate>,
    ) -> Result<UpdatePostResponse, PostsError> {
        let PostCreate { title, content } = body.0;
        self.update(id.0, auth.0.id, Some(&title), Some(&content))
            .await
    }

    /// Change your post's title and/or content.
    #[oai(path = "/api/posts/:id", method = "patch")]
    async fn edit_post(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
        body: Json<PostUpdate>,
    ) -> Result<UpdatePostResponse, PostsError> {
        let PostUpdate { title, content } = body.0;
        self.update(id.0, auth.0.id, title.as_deref(), content.as_deref())
            .await
    }

    /// Delete your post.
    #[oai(path = "/api/posts/:id", method = "delete")]
    async fn delete_post(
        &self,
        id: Path<i64>,
        auth: BearerAuth,
    ) -> Result<DeletePostResponse, PostsError> {
        self.delete(id.0, auth.0.id).await
    }
}

//! `GET /posts/{id}` and `GET /users/{id}/posts`: the app shell with the page's own head,
//! so a link preview or a crawler that runs no script reads the post's title, an excerpt
//! and the author's picture (Open Graph, Twitter card), and finds the page's canonical URL
//! and its Atom feeds. The app then boots from the same shell and draws the page as ever.
//! A missing post or user is the shell with status 404 (the app shows its not-found page).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use folio_model::users::ImageUrls;
use folio_shared::{
    db::{Db, DbError, Queryable, Sql},
    http::database_error_response,
};
use poem::{
    Response, handler,
    http::{StatusCode, header},
    web::{Data, Path},
};
use tokio_postgres::{Row, types::Type};

use super::{PAGE_CACHE, Site, path_id, shell::Shell, tagged, text};

const HTML: &str = "text/html; charset=utf-8";

/// Characters of a description (`<meta name="description">`, `og:description`): what
/// search results and previews show before they cut.
pub const DESCRIPTION_CHARS: usize = 160;

/// A post and its author, with only the opening of the content (the description is cut
/// from it; `substr` detoasts only the slice it needs of a long post).
const POST_PAGE: Sql = Sql::new(
    "select p.id, p.title, substr(p.content, 1, 400) as opening, p.user_id, p.date_posted, \
       p.updated_at, u.username, u.image_file \
     from posts p join users u on u.id = p.user_id where p.id = $1",
    &[Type::INT8],
);

/// A user and their post count (the trigger-kept row, so nothing is counted).
const USER_PAGE: Sql = Sql::new(
    "select u.id, u.username, u.image_file, coalesce(c.posts, 0) as posts \
     from users u left join post_counts c on c.user_id = u.id where u.id = $1",
    &[Type::INT8],
);

/// The head of a page nobody should index.
const NOT_FOUND_HEAD: &str =
    "<title>Page not found · Folio</title>\n    <meta name=\"robots\" content=\"noindex\" />";

/// The head of a page that could not be read (the app then says what failed).
const PLAIN_HEAD: &str = "<title>Folio</title>";

/// Renders the pages.
pub struct Pages {
    db: Db,
    site: Site,
    urls: ImageUrls,
    shell: Shell,
}

/// What a page's head says about it; rendered escaped.
struct Head {
    /// The page's own title (the document title adds " · Folio").
    title: String,
    description: String,
    /// Canonical path, e.g. `/posts/7`.
    path: String,
    /// `article` or `profile`.
    kind: &'static str,
    /// The picture's URL, absolute or a path on the site.
    image: String,
    /// Open Graph properties of the kind (`article:published_time`, ...).
    properties: Vec<(&'static str, String)>,
    /// Atom feeds of the page, as (title, path).
    feeds: Vec<(String, String)>,
}

impl Head {
    fn render(&self, site: &Site) -> String {
        let e = text::escape;
        let url = e(&site.url(&self.path));
        let title = e(&self.title);
        let description = e(&self.description);
        let mut tags = vec![
            format!("<title>{title} · Folio</title>"),
            format!("<meta name=\"description\" content=\"{description}\" />"),
            format!("<link rel=\"canonical\" href=\"{url}\" />"),
            "<meta property=\"og:site_name\" content=\"Folio\" />".to_owned(),
            format!("<meta property=\"og:type\" content=\"{}\" />", self.kind),
            format!("<meta property=\"og:title\" content=\"{title}\" />"),
            format!("<meta property=\"og:description\" content=\"{description}\" />"),
            format!("<meta property=\"og:url\" content=\"{url}\" />"),
            format!(
                "<meta property=\"og:image\" content=\"{}\" />",
                e(&text::absolute(site.base(), &self.image))
            ),
        ];
        tags.extend(
            self.properties.iter().map(|(name, value)| {
                format!("<meta property=\"{name}\" content=\"{}\" />", e(value))
            }),
        );
        tags.push("<meta name=\"twitter:card\" content=\"summary\" />".to_owned());
        tags.extend(self.feeds.iter().map(|(title, path)| {
            format!(
                "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{}\" href=\"{}\" />",
                e(title),
                e(&site.url(path))
            )
        }));
        tags.join("\n    ")
    }
}

/// `article:published_time`, and `article:modified_time` once the post has been edited.
fn article_times(
    posted: DateTime<Utc>,
    edited: Option<DateTime<Utc>>,
) -> Vec<(&'static str, String)> {
    let mut times = vec![("article:published_time", text::timestamp(posted))];
    if let Some(edited) = edited {
        times.push(("article:modified_time", text::timestamp(edited)));
    }
    times
}

fn site_feed() -> (String, String) {
    ("Folio".to_owned(), "/feed.xml".to_owned())
}

fn user_feed(user_id: i64, username: &str) -> (String, String) {
    (
        format!("{username}'s posts · Folio"),
        format!("/users/{user_id}/feed.xml"),
    )
}

impl Pages {
    /// Pages from `shell`, linking against `site`.
    pub fn new(db: Db, site: Site, urls: ImageUrls, shell: Shell) -> Self {
        Self {
            db,
            site,
            urls,
            shell,
        }
    }

    async fn post(&self, raw_id: &str) -> Response {
        self.render(raw_id, &POST_PAGE, |id, row| {
            let title: String = row.get("title");
            let username: String = row.get("username");
            let user_id: i64 = row.get("user_id");
            let posted: DateTime<Utc> = row.get("date_posted");
            let edited: Option<DateTime<Utc>> = row.get("updated_at");
            let mut description = text::excerpt(row.get("opening"), DESCRIPTION_CHARS);
            if description.is_empty() {
                description = format!("A post by {username} on Folio.");
            }
            let image_file: Option<String> = row.get("image_file");
            Head {
                title,
                description,
                path: format!("/posts/{id}"),
                kind: "article",
                image: self.urls.image_path(image_file.as_deref()),
                properties: article_times(posted, edited),
                feeds: vec![site_feed(), user_feed(user_id, &username)],
            }
        })
        .await
    }

    async fn user(&self, raw_id: &str) -> Response {
        self.render(raw_id, &USER_PAGE, |id, row| {
            let username: String = row.get("username");
            let posts: i64 = row.get("posts");
            let image_file: Option<String> = row.get("image_file");
            let noun = if posts == 1 { "post" } else { "posts" };
            Head {
                title: format!("{username}'s posts"),
                description: format!("{posts} {noun} by {username} on Folio."),
                path: format!("/users/{id}/posts"),
                kind: "profile",
                image: self.urls.image_path(image_file.as_deref()),
                properties: vec![("profile:username", username.clone())],
                feeds: vec![user_feed(id, &username), site_feed()],
            }
        })
        .await
    }

    /// The page of what `sql` reads for the path's id, with the head `head` writes for it;
    /// the not-found page for no row or an id that is none, the failure page when the read
    /// fails.
    async fn render(
        &self,
        raw_id: &str,
        sql: &Sql,
        head: impl FnOnce(i64, Row) -> Head,
    ) -> Response {
        let Some(id) = path_id(raw_id) else {
            return self.not_found();
        };
        match self.read(sql, id).await {
            Ok(Some(row)) => self.page(&head(id, row)),
            Ok(None) => self.not_found(),
            Err(err) => self.failure(&err),
        }
    }

    async fn read(&self, sql: &Sql, id: i64) -> Result<Option<Row>, DbError> {
        self.db.conn().await?.query_opt(sql, &[&id]).await
    }

    fn page(&self, head: &Head) -> Response {
        tagged(HTML, PAGE_CACHE, self.shell.page(&head.render(&self.site)))
    }

    fn not_found(&self) -> Response {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .content_type(HTML)
            .header(header::CACHE_CONTROL, PAGE_CACHE)
            .body(self.shell.page(NOT_FOUND_HEAD))
    }

    /// The API's status for `err` (503 with `Retry-After` when the database is out of
    /// reach; logged there), with the shell, so the app boots and offers to try again.
    fn failure(&self, err: &DbError) -> Response {
        let api = database_error_response(err);
        let mut response = Response::builder()
            .status(api.status())
            .content_type(HTML)
            .header(header::CACHE_CONTROL, "no-store")
            .body(self.shell.page(PLAIN_HEAD));
        if let Some(retry) = api.headers().get(header::RETRY_AFTER) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry.clone());
        }
        response
    }
}

/// `GET /posts/{id}`.
#[handler]
pub async fn post_page(Path(id): Path<String>, pages: Data<&Arc<Pages>>) -> Response {
    pages.post(&id).await
}

/// `GET /users/{id}/posts`.
#[handler]
pub async fn user_page(Path(id): Path<String>, pages: Data<&Arc<Pages>>) -> Response {
    pages.user(&id).await
}

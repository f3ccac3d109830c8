//! The app shell: the built frontend's `index.html` (`WEB_SHELL`), read once at start-up,
//! into which each page puts its own head. The shell's `<title>` element is the marker:
//! the page's tags replace it, and the shell's site-wide description and feed link go
//! (the page writes its own, absolute), so a page has one of each. Everything else (the
//! hashed script and stylesheet, the theme script) is served as built, so the app boots
//! exactly as from the gateway's copy.

use crate::config::Settings;
use anyhow::{Context, bail};

/// What is served when development has no build: the head tags still show, no app boots.
const MINIMAL_SHELL: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    \
    <meta charset=\"utf-8\" />\n    <title>Folio</title>\n  </head>\n  <body>\n    \
    <noscript>Folio needs JavaScript to show posts.</noscript>\n    \
    <p>The frontend is not built: run web/build.sh.</p>\n  </body>\n</html>\n";

/// The shell split around its `<title>`.
#[derive(Debug, Clone)]
pub struct Shell {
    before: String,
    after: String,
}

impl Shell {
    /// Reads `WEB_SHELL`. Production refuses to start without it (every page would lose its
    /// app); development warns and serves a minimal shell, so the API works before the
    /// frontend is built.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let path = &settings.web_shell;
        match std::fs::read_to_string(path) {
            Ok(html) => Self::parse(&html).with_context(|| format!("WEB_SHELL: {path}")),
            Err(err) if !settings.is_production() => {
                tracing::warn!(
                    path = %path,
                    error = %err,
                    "WEB_SHELL cannot be read: post and user pages get a minimal shell (build the frontend: web/build.sh)"
                );
                Self::parse(MINIMAL_SHELL)
            }
            Err(err) => Err(err).with_context(|| format!("WEB_SHELL: cannot read {path}")),
        }
    }

    /// Splits `html` at its `<title>` element and drops its site-wide [`SITE_TAGS`].
    pub fn parse(html: &str) -> anyhow::Result<Self> {
        let (Some(start), Some(end)) = (html.find("<title>"), html.find("</title>")) else {
            bail!("the shell has no <title> element to put a page's head in");
        };
        if end < start {
            bail!("the shell's </title> comes before its <title>");
        }
        Ok(Self {
            before: without_site_tags(&html[..start]),
            after: without_site_tags(&html[end + "</title>".len()..]),
        })
    }

    /// The shell with `head` (already escaped tags) in place of its title.
    pub fn page(&self, head: &str) -> String {
        let mut page = String::with_capacity(self.before.len() + head.len() + self.after.len());
        page.push_str(&self.before);
        page.push_str(head);
        page.push_str(&self.after);
        page
    }
}

/// The openings of the shell's tags that a page writes for itself (as `web/index.html`
/// writes their attributes, in this order): the site's description and its feed link.
const SITE_TAGS: [&str; 2] = [
    "<meta name=\"description\"",
    "<link rel=\"alternate\" type=\"application/atom+xml\"",
];

/// `html` without the [`SITE_TAGS`], each with the indentation before it.
fn without_site_tags(html: &str) -> String {
    SITE_TAGS
        .iter()
        .fold(html.to_owned(), |html, tag| without_tag(&html, tag))
}

/// `html` without every tag opening with `opening`, and the indentation before it.
fn without_tag(html: &str, opening: &str) -> String {
    let mut html = html.to_owned();
    while let Some(start) = html.find(opening)
        && let Some(length) = html[start..].find('>')
    {
        let line_start = html[..start].trim_end_matches([' ', '\t']).len();
        let line_start = html[..line_start]
            .strip_suffix('\n')
            .map_or(line_start, str::len);
        html.replace_range(line_start..start + length + 1, "");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\" />\n    \
        <meta name=\"description\" content=\"Folio: a small blog.\" />\n    <title>Folio</title>\n    \
        <script type=\"module\" crossorigin src=\"/assets/index-abc.js\"></script>\n  </head>\n</html>\n";

    #[test]
    fn a_page_replaces_the_title_and_the_site_description_and_keeps_the_assets() {
        let shell = Shell::parse(BUILT).unwrap();

        let page = shell.page("<title>Mine · Folio</title>");

        assert_eq!(
            page,
            "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\" />\n    \
             <title>Mine · Folio</title>\n    \
             <script type=\"module\" crossorigin src=\"/assets/index-abc.js\"></script>\n  </head>\n</html>\n"
        );
    }

    #[test]
    fn the_shells_feed_links_give_way_to_the_pages_own() {
        let built = BUILT.replace(
            "<title>Folio</title>",
            "<title>Folio</title>\n    \
             <link rel=\"alternate\" type=\"application/atom+xml\" title=\"Folio\" href=\"/feed.xml\" />",
        );
        let shell = Shell::parse(&built).unwrap();

        let page = shell.page("<title>Mine · Folio</title>");

        assert!(!page.contains("/feed.xml"), "{page}");
        assert_eq!(
            page,
            Shell::parse(BUILT)
                .unwrap()
                .page("<title>Mine · Folio</title>")
        );
    }

    #[test]
    fn a_shell_without_a_title_is_refused() {
        let err = Shell::parse("<html><head></head></html>").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the shell has no <title> element to put a page's head in"
        );
    }

    fn settings(app_env: &str) -> Settings {
        use folio_shared::config::ServiceSettings;

        let vars = [
            ("APP_ENV", app_env),
            ("DATABASE_URL", "postgres://db/folio"),
            ("REDIS_URL", "redis://redis"),
            ("FRONTEND_URL", "https://folio.example"),
            ("WEB_SHELL", "/nonexistent/index.html"),
        ];
        Settings::from_pairs(&vars).unwrap()
    }

    #[test]
    fn production_refuses_to_start_without_the_shell_and_development_makes_do() {
        let err = Shell::from_settings(&settings("production")).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "WEB_SHELL: cannot read /nonexistent/index.html: No such file or directory (os error 2)"
        );

        let shell = Shell::from_settings(&settings("development")).unwrap();
        assert!(shell.page("<title>x</title>").contains("run web/build.sh"));
    }

    #[test]
    fn the_minimal_shell_takes_a_head() {
        let page = Shell::parse(MINIMAL_SHELL)
            .unwrap()
            .page("<title>x</title>");
        assert!(
            page.contains(
                "<head>\n    <meta charset=\"utf-8\" />\n    <title>x</title>\n  </head>"
            )
        );
    }
}

//! Text as link previews, feeds and sitemaps take it: escaped for HTML and XML alike,
//! without the characters XML 1.0 forbids (a post may hold any of them, and one such
//! character would make a whole feed unreadable), and shortened to plain excerpts.

use chrono::{DateTime, SecondsFormat, Utc};

/// Whether XML 1.0 allows `c` in a document (its `Char` production; a Rust string holds
/// no surrogates): tab, newline and carriage return are the only C0 controls it admits.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` safe as HTML or XML text and as a quoted attribute value (either quote): the
/// five markup characters become references, characters XML forbids are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Longest word an excerpt cuts after rather than through; past it (a URL, or a language
/// written without spaces) the cut falls mid-word.
const LONGEST_KEPT_WORD: usize = 20;

/// A one-line plain-text excerpt of `text`, at most `max_chars` characters: runs of
/// whitespace and control characters become one space, and a longer text is cut at a word
/// boundary with `…` as its last character. Not escaped.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let words = text
        .split(|c: char| c.is_whitespace() || c.is_control() || !is_xml_char(c))
        .filter(|word| !word.is_empty());
    let mut out = String::new();
    let mut count = 0;
    let mut cut = false;
    'words: for word in words {
        if count > 0 {
            if count == max_chars {
                cut = true;
                break;
            }
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count == max_chars {
                cut = true;
                break 'words;
            }
            out.push(c);
            count += 1;
        }
    }
    if cut {
        // Room for the ellipsis: a cut between words keeps them all; one through a word
        // goes back to the space before it, unless the word is long.
        if out.pop() != Some(' ')
            && let Some(space) = out.rfind(' ')
            && out[space..].chars().count() <= LONGEST_KEPT_WORD + 1
        {
            out.truncate(space);
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('…');
    }
    out
}

/// `url` as an absolute URL on `base` (`FRONTEND_URL`): pictures are stored as paths
/// (`/media/...`, the default avatar) unless they live on a bucket or CDN.
pub fn absolute(base: &str, url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        url.to_owned()
    } else if let Some(rest) = url.strip_prefix("//") {
        format!("https://{rest}")
    } else if url.starts_with('/') {
        format!("{base}{url}")
    } else {
        format!("{base}/{url}")
    }
}

/// RFC 3339 in UTC to the second, as Atom, sitemaps and Open Graph all read it.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_no_character_xml_forbids() {
        assert_eq!(
            escape("<script>alert(1)</script>\"'&\u{0}\u{1}\u{b}\u{1b}\u{fffe}\u{ffff}\t\n"),
            "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\t\n"
        );
        assert_eq!(escape("café 🦀"), "café 🦀");
    }

    #[test]
    fn an_excerpt_is_one_line_and_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(excerpt("  one\n\ntwo\tthree\u{7} ", 160), "one two three");
        assert_eq!(excerpt("alpha beta gamma delta", 13), "alpha beta…");
        assert_eq!(excerpt("alpha beta gamma", 16), "alpha beta gamma");
        assert_eq!(excerpt("alpha beta gamma x", 16), "alpha beta…");
        assert_eq!(excerpt("alpha beta gamma x", 17), "alpha beta gamma…");
        let long = "x".repeat(200);
        assert_eq!(excerpt(&long, 10), format!("{}…", "x".repeat(9)));
        assert_eq!(excerpt("ab", 2), "ab");
        assert_eq!(excerpt("", 10), "");
    }

    #[test]
    fn an_excerpt_never_passes_its_length() {
        for max in 1..40 {
            let text = "lorem ipsum dolor sit amet, consectetur adipiscing elit sed do";
            assert!(excerpt(text, max).chars().count() <= max, "{max}");
        }
    }

    #[test]
    fn paths_become_absolute_on_the_frontend_and_urls_stay() {
        let base = "https://folio.example";
        assert_eq!(
            absolute(base, "/media/a.jpg"),
            "https://folio.example/media/a.jpg"
        );
        assert_eq!(
            absolute(base, "static/x.jpg"),
            "https://folio.example/static/x.jpg"
        );
        assert_eq!(
            absolute(base, "https://cdn.example/a.jpg"),
            "https://cdn.example/a.jpg"
        );
        assert_eq!(
            absolute(base, "//cdn.example/a.jpg"),
            "https://cdn.example/a.jpg"
        );
    }
}

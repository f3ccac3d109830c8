//! Usernames are shown to other people and printed in mails, so they are plain names:
//! stored in Unicode NFC (one spelling of "é", so two look-alike spellings cannot both be
//! registered: uniqueness is on the lower-cased stored form), and free of control, format
//! (zero-width, bidi overrides) and line-break characters, which could hide text, reorder
//! it, or forge lines in a mail. Rows adopted from the FastAPI blog that break the rule
//! keep working; `migrate` reports them.

use folio_shared::validation::ForbiddenChars;
use unicode_normalization::UnicodeNormalization;

/// Unicode's control (Cc), format (Cf), line (Zl) and paragraph (Zp) separators of the
/// Basic Multilingual Plane, as of Unicode 15: every zero-width, bidi and line-breaking
/// character. The few format characters beyond it are left alone: emoji tag sequences
/// (subdivision flags) need theirs, and the rest only shape scripts that use them.
/// Written out rather than asked of a Unicode table so that the check and the `pattern`
/// of the OpenAPI document (which schemathesis generates data from, in ECMA syntax:
/// `\uXXXX` escapes only) are rendered from the same set ([`crate::rules::USERNAME`]).
pub const FORBIDDEN: ForbiddenChars = ForbiddenChars {
    ranges: FORBIDDEN_RANGES,
    msg: FORBIDDEN_CHARACTER,
    kind: "value_error",
};

const FORBIDDEN_RANGES: &[(char, char)] = &[
    ('\u{0}', '\u{1f}'),
    ('\u{7f}', '\u{9f}'),
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{2028}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
];

/// The `msg` of the 422 for a forbidden character.
pub const FORBIDDEN_CHARACTER: &str =
    "Username must not contain control, format or line-break characters";

/// The stored form of a submitted username: NFC.
pub fn normalise(raw: &str) -> String {
    raw.nfc().collect()
}

#[cfg(test)]
mod tests {
    use folio_shared::validation::{SchemaRule, Validator};

    use super::*;
    use crate::rules::{USERNAME, check_username};

    fn failures(username: &str) -> Vec<String> {
        let mut v = Validator::new();
        check_username(&mut v, &normalise(username));
        v.finish()
            .err()
            .map(|errors| errors.0.into_iter().map(|e| e.msg).collect())
            .unwrap_or_default()
    }

    #[test]
    fn ordinary_names_in_any_script_pass() {
        for name in ["ann", "Zoë", "José María", "李小龍", "محمد", "o'brien-2"] {
            assert_eq!(failures(name), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn hidden_and_line_breaking_characters_are_refused() {
        for name in [
            "ann\nSubject: hi",
            "ann\r",
            "tab\there",
            "zero\u{200b}width",
            "bidi\u{202e}txt.exe",
            "isolate\u{2066}x",
            "bom\u{feff}",
            "line\u{2028}sep",
            "para\u{2029}sep",
            "nul\0",
        ] {
            assert_eq!(failures(name), [FORBIDDEN_CHARACTER], "{name:?}");
        }
    }

    #[test]
    fn the_documented_pattern_is_the_checked_set() {
        let documented = USERNAME.schema();
        assert_eq!(
            documented["pattern"],
            "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*$"
        );
        assert_eq!(documented["minLength"], 1);
        assert_eq!(documented["maxLength"], 50);
        // The set ends where the pattern says.
        assert!(FORBIDDEN.contains('\u{fffb}') && !FORBIDDEN.contains('\u{fffc}'));
    }

    #[test]
    fn decomposed_accents_are_stored_composed_and_counted_once() {
        let decomposed = "Zoe\u{0308}";
        assert_eq!(normalise(decomposed), "Zoë");
        // 50 "é" typed as e + combining accent: 100 code points, 50 characters stored.
        let long = "e\u{0301}".repeat(50);
        assert_eq!(failures(&long), Vec::<String>::new());
    }
}

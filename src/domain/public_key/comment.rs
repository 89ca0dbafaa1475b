//! The comment after the key: free text, but nothing that hides or
//! reorders what a person reads in a list of keys.

use super::error::PublicKeyError;
use super::key_type::MAX_COMMENT_CHARS;

/// Every format character of Unicode (general category Cf, Unicode 15.1):
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069), zero-width spaces and joiners (U+200B–U+200F), the byte
/// order mark (U+FEFF), soft hyphen, tags and the like. Each is invisible or
/// changes how the text around it is shown, so a comment holding one can
/// make a key look like another. Listed by hand: the table is short and
/// changes rarely, where a crate would be a dependency for twenty-one ranges.
const FORMAT_CHARACTERS: [(u32, u32); 21] = [
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// The line and paragraph separators (categories Zl and Zp), which break a
/// line wherever the text is shown although they are not control characters.
const SEPARATORS: [char; 2] = ['\u{2028}', '\u{2029}'];

/// Refuses an overlong comment, and one with control, format or separator
/// characters.
pub(super) fn check_comment(comment: &str) -> Result<(), PublicKeyError> {
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(PublicKeyError::CommentLength);
    }
    if comment.chars().any(|c| c.is_control() || is_format_character(c) || SEPARATORS.contains(&c)) {
        return Err(PublicKeyError::CommentCharacters);
    }
    Ok(())
}

fn is_format_character(c: char) -> bool {
    let code = u32::from(c);
    FORMAT_CHARACTERS.iter().any(|&(first, last)| (first..=last).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_comments_pass_including_non_latin_scripts_and_emoji() {
        for comment in ["", "user@host", "Jürgen's laptop (2024)", "运维 密钥", "ключ", "🔑 key", "a\u{00A0}b"]
        {
            assert_eq!(check_comment(comment), Ok(()), "{comment:?}");
        }
    }

    #[test]
    fn control_format_and_separator_characters_are_refused() {
        let refused = [
            '\u{7}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{AD}',
            '\u{61C}',
            '\u{200B}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2028}',
            '\u{2029}',
            '\u{2060}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{E0041}',
        ];
        for c in refused {
            let comment = format!("alice{c}@host");
            assert_eq!(check_comment(&comment), Err(PublicKeyError::CommentCharacters), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn the_length_limit_counts_characters_not_bytes() {
        assert_eq!(check_comment(&"é".repeat(MAX_COMMENT_CHARS)), Ok(()));
        assert_eq!(check_comment(&"é".repeat(MAX_COMMENT_CHARS + 1)), Err(PublicKeyError::CommentLength));
    }
}

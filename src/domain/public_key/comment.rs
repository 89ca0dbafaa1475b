//! The comment after the key: free text, but nothing that hides or
//! reorders what a person reads in a list of keys.

use super::error::PublicKeyError;
use super::key_type::MAX_COMMENT_CHARS;
use crate::domain::text::is_hidden_or_breaking;

/// Refuses an overlong comment, and one with control, format or separator
/// characters: a comment holding one can make a key look like another in
/// a list of keys. The table is the domain's one ([`is_hidden_or_breaking`]).
pub(super) fn check_comment(comment: &str) -> Result<(), PublicKeyError> {
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(PublicKeyError::CommentLength);
    }
    if comment.chars().any(is_hidden_or_breaking) {
        return Err(PublicKeyError::CommentCharacters);
    }
    Ok(())
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
        for c in crate::domain::text::HIDDEN_SAMPLES {
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

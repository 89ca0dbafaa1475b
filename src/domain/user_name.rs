//! User names: one type, one rule, wherever a user is named. A token's
//! holder is named by `token create --user`, the store records a key's
//! creator under that name, and the `owner` filter of `authorized_keys`
//! (and so `sshkeyd authorized-keys` for a personal login) names a key's
//! creator the same way, so a name refused in one place is refused in all.

use std::fmt;

use super::text::is_hidden_or_breaking;

/// Longest user name, in bytes.
pub const MAX_USER_NAME_BYTES: usize = 255;

/// A user name that can name a user: 1 to 255 bytes of visible text, with
/// no space at either end and no control characters (newlines included),
/// format characters (bidi overrides, zero-width characters) or line
/// separators. So a name cannot split a line of `token list` or of a log,
/// and two users cannot look alike there while being different names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserName(String);

/// Why a user name was refused; never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be 1 to {} bytes of visible text: no control or format characters, no line breaks, no spaces at either end",
    MAX_USER_NAME_BYTES
)]
pub struct UserNameError;

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, UserNameError> {
        let padded = raw.trim() != raw;
        if raw.is_empty() || padded || raw.len() > MAX_USER_NAME_BYTES || raw.chars().any(is_hidden_or_breaking) {
            return Err(UserNameError);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for UserName {
    type Err = UserNameError;
    fn from_str(raw: &str) -> Result<Self, UserNameError> {
        Self::parse(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_short_visible_text() {
        for ok in ["alice", "skd-alice", "a", "Alice Smith", "élodie", "运维", &"x".repeat(255)] {
            assert_eq!(UserName::parse(ok).map(|n| n.as_str().to_owned()), Ok(ok.to_owned()), "{ok:?}");
        }
        let refused = [
            "",
            " ",
            "\t",
            " alice",
            "alice ",
            "al\nice",
            "alice\r\n",
            "al\0ice",
            "\u{7f}",
            "al\u{1b}[31mice",
            "al\u{202E}ecila",
            "al\u{200B}ice",
            "al\u{2028}ice",
            "\u{FEFF}alice",
            &"x".repeat(256),
        ];
        for bad in refused {
            assert_eq!(UserName::parse(bad), Err(UserNameError), "{bad:?}");
        }
    }
}

//! User names, as a token's holder is named (`token create --user`) and as
//! the `owner` filter of `authorized_keys` names a key's creator.

use std::fmt;

/// Longest user name, in bytes (`token create` takes up to 255).
pub const MAX_USER_NAME_BYTES: usize = 255;

/// A user name that can name a user: 1 to 255 bytes, not blank, and free of
/// control characters, so it cannot split a log line or a header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserName(String);

/// Why a user name was refused; never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to {MAX_USER_NAME_BYTES} bytes, not blank, without control characters")]
pub struct UserNameError;

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, UserNameError> {
        let blank = raw.trim().is_empty();
        if blank || raw.len() > MAX_USER_NAME_BYTES || raw.chars().any(char::is_control) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_short_visible_text() {
        for ok in ["alice", "skd-alice", "a", "Alice Smith", "élodie", &"x".repeat(255)] {
            assert_eq!(UserName::parse(ok).map(|n| n.as_str().to_owned()), Ok(ok.to_owned()), "{ok:?}");
        }
        for bad in ["", " ", "\t", "al\nice", "al\0ice", "\u{7f}", &"x".repeat(256)] {
            assert_eq!(UserName::parse(bad), Err(UserNameError), "{bad:?}");
        }
    }
}

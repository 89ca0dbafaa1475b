//! SSH key names, validated against the Gcore pattern
//! `^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$`.

use std::fmt;

/// Shortest name the pattern admits: first char, one middle char, last char.
pub const MIN_LEN: usize = 3;
/// Longest name the pattern admits: 1 + 61 + 1.
pub const MAX_LEN: usize = 63;

/// A key name that matches Gcore's pattern. The only way to get one is
/// [`KeyName::parse`], so code that holds a `KeyName` never re-checks it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyName(String);

/// Why a candidate name was refused. The messages never echo the input
/// beyond its length, so a secret pasted into the wrong field stays out of
/// error bodies, and do not name the field: the API writes `name: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyNameError {
    /// Shorter than `MIN_LEN` or longer than `MAX_LEN` characters.
    #[error("must be {MIN_LEN} to {MAX_LEN} characters long, got {0}")]
    Length(usize),
    /// The first character is not an ASCII letter or digit.
    #[error("must start with a letter or a digit")]
    BadFirst,
    /// The last character is not a letter, digit, '.' or '_'.
    #[error("must end with a letter, a digit, '.' or '_'")]
    BadLast,
    /// A character in the middle is outside letters, digits, space, '.', '_', '-'.
    #[error("may contain only letters, digits, spaces, '.', '_' and '-'")]
    BadChar,
}

impl KeyName {
    /// Validates `raw` against the pattern. Checking bytes by hand instead of
    /// pulling in a regex engine keeps this allocation-free on rejection and
    /// lets each failure carry its own message.
    pub fn parse(raw: &str) -> Result<Self, KeyNameError> {
        let bytes = raw.as_bytes();
        let len = raw.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) || bytes.len() != len {
            // A non-ASCII character can never match; report it as a bad
            // character when the length is otherwise fine.
            if (MIN_LEN..=MAX_LEN).contains(&len) {
                return Err(KeyNameError::BadChar);
            }
            return Err(KeyNameError::Length(len));
        }
        let (first, rest) = (bytes[0], &bytes[1..]);
        let (last, middle) = (rest[rest.len() - 1], &rest[..rest.len() - 1]);
        if !first.is_ascii_alphanumeric() {
            return Err(KeyNameError::BadFirst);
        }
        if !middle.iter().all(|&b| is_middle(b)) {
            return Err(KeyNameError::BadChar);
        }
        if !(last.is_ascii_alphanumeric() || last == b'.' || last == b'_') {
            return Err(KeyNameError::BadLast);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_middle(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b' ' | b'.' | b'_' | b'-')
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for KeyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_at_the_edges_of_the_pattern_are_judged_correctly() {
        let long_ok = format!("a{}b", "x".repeat(61));
        let too_long = format!("a{}b", "x".repeat(62));
        let cases: &[(&str, Result<(), KeyNameError>, &str)] = &[
            ("abc", Ok(()), "three characters is the minimum"),
            ("ab", Err(KeyNameError::Length(2)), "two characters is too short"),
            ("", Err(KeyNameError::Length(0)), "empty is too short"),
            (&long_ok, Ok(()), "63 characters is the maximum"),
            (&too_long, Err(KeyNameError::Length(64)), "64 characters is too long"),
            ("my key-1.pub", Ok(()), "space, dash and dot are allowed inside"),
            ("a-.", Ok(()), "a dot may end a name"),
            ("a-_", Ok(()), "an underscore may end a name"),
            ("0ab", Ok(()), "a digit may start a name"),
            ("-ab", Err(KeyNameError::BadFirst), "a dash may not start a name"),
            (".ab", Err(KeyNameError::BadFirst), "a dot may not start a name"),
            (" ab", Err(KeyNameError::BadFirst), "a space may not start a name"),
            ("ab-", Err(KeyNameError::BadLast), "a dash may not end a name"),
            ("ab ", Err(KeyNameError::BadLast), "a space may not end a name"),
            ("a/b", Err(KeyNameError::BadChar), "a slash is not allowed"),
            ("a\nb", Err(KeyNameError::BadChar), "a newline is not allowed"),
            ("aéb", Err(KeyNameError::BadChar), "non-ASCII letters are not allowed"),
            ("a\0b", Err(KeyNameError::BadChar), "NUL is not allowed"),
        ];
        for (input, expected, why) in cases {
            let got = KeyName::parse(input).map(|_| ());
            assert_eq!(&got, expected, "{why}: {input:?}");
        }
    }

    proptest! {
        #[test]
        fn every_string_matching_the_pattern_is_accepted(
            s in "[a-zA-Z0-9][a-zA-Z 0-9._-]{1,61}[a-zA-Z0-9._]"
        ) {
            let name = KeyName::parse(&s).unwrap();
            prop_assert_eq!(name.as_str(), s.as_str());
        }

        #[test]
        fn arbitrary_strings_never_panic_and_accepted_ones_match_the_pattern(s in any::<String>()) {
            if let Ok(name) = KeyName::parse(&s) {
                let b = name.as_str().as_bytes();
                prop_assert!((MIN_LEN..=MAX_LEN).contains(&b.len()));
                prop_assert!(b[0].is_ascii_alphanumeric());
            }
        }
    }
}

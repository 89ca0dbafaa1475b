//! Identifiers. Plain newtypes, so a project id cannot be passed where a
//! user id is expected. Ids that arrive as text (paths, `--project`) have
//! one spelling each, parsed here once for the API and the command line:
//! a proxy that normalises ids and sshkeyd must never read one request as
//! two different ids.

use uuid::Uuid;

/// The largest project id: 2^53 - 1, the largest integer that every JSON
/// reader (JavaScript's numbers included) holds exactly (I-JSON, RFC 7493),
/// so every SDK reads the `project_id` it gets back unchanged.
pub const MAX_PROJECT_ID: i64 = 9_007_199_254_740_991;

/// A Gcore project id: an integer from 1 to [`MAX_PROJECT_ID`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(pub i64);

/// A project id out of range or not in canonical decimal. The message is
/// the rule, so the API's `project_id: …` and the command line's error
/// both state the range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an integer from 1 to {}", MAX_PROJECT_ID)]
pub struct ProjectIdError;

impl ProjectId {
    /// Canonical decimal only: ASCII digits without a sign, spaces or a
    /// leading zero (`01` is refused, not read as 1), from 1 to
    /// [`MAX_PROJECT_ID`].
    pub fn parse(raw: &str) -> Result<Self, ProjectIdError> {
        // Longer input cannot be in range; checked first so a huge string
        // is not scanned.
        const MAX_DIGITS: usize = 16;
        let canonical = !raw.is_empty()
            && raw.len() <= MAX_DIGITS
            && !raw.starts_with('0')
            && raw.bytes().all(|b| b.is_ascii_digit());
        match raw.parse::<i64>() {
            Ok(id) if canonical && id <= MAX_PROJECT_ID => Ok(Self(id)),
            _ => Err(ProjectIdError),
        }
    }
}

/// Internal id of a user (the name is unique too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A key's public id, a random (v4) UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub Uuid);

/// A key id not in the one spelling the service writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a UUID in lower-case hyphenated form, like 3fa85f64-5717-4562-b3fc-2c963f66afa6")]
pub struct KeyIdError;

impl KeyId {
    /// The canonical spelling only (`8-4-4-4-12` lower-case hex digits),
    /// as the service writes ids. `uuid` also reads upper case, braces,
    /// `urn:uuid:` and 32 bare digits; those are refused, so each key has
    /// one path.
    pub fn parse(raw: &str) -> Result<Self, KeyIdError> {
        let id = Uuid::try_parse(raw).map_err(|_| KeyIdError)?;
        let canonical = raw.len() == 36 && !raw.bytes().any(|b| b.is_ascii_uppercase());
        if canonical { Ok(Self(id)) } else { Err(KeyIdError) }
    }
}

/// A token's public id: the part of a token before its secret, safe to
/// print in `token list` and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenId(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_have_one_spelling_and_the_range_every_json_reader_holds() {
        let accepted = [("1", 1), ("42", 42), ("9007199254740991", MAX_PROJECT_ID)];
        for (raw, id) in accepted {
            assert_eq!(ProjectId::parse(raw), Ok(ProjectId(id)), "{raw:?}");
        }
        let refused = [
            "",
            "0",
            "01",
            "001",
            "-1",
            "+1",
            " 1",
            "1 ",
            "1.0",
            "1e3",
            "0x10",
            "abc",
            "٣",
            "9007199254740992",
            "9223372036854775807",
            "99999999999999999999999",
        ];
        for raw in refused {
            assert_eq!(ProjectId::parse(raw), Err(ProjectIdError), "{raw:?}");
        }
        assert_eq!(ProjectIdError.to_string(), "must be an integer from 1 to 9007199254740991");
    }

    #[test]
    fn key_ids_are_accepted_only_as_lower_case_hyphenated_uuids() {
        let canonical = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        assert_eq!(KeyId::parse(canonical).map(|k| k.0.to_string()), Ok(canonical.to_owned()));
        let refused = [
            "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
            "3fa85f64-5717-4562-b3fc-2c963f66afA6",
            "3fa85f6457174562b3fc2c963f66afa6",
            "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
            "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "3fa85f64-5717-4562-b3fc-2c963f66afa",
            "not-a-uuid",
            "",
        ];
        for raw in refused {
            assert_eq!(KeyId::parse(raw), Err(KeyIdError), "{raw:?}");
        }
    }
}

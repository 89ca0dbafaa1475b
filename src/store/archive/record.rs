//! The records of an export file, one JSON object a line, as serde types.
//!
//! Every record names its `kind`; every field is required (a value that may
//! be absent is written `null`, never left out) and no other field is
//! allowed, so a hand-edited line that lost or gained a field is refused
//! rather than read with a default. Times are integer microseconds since
//! the Unix epoch, UTC, as the store keeps them, so they round-trip exactly.

use serde::{Deserialize, Deserializer, Serialize};

/// The format this build writes and reads. A file of a newer format is
/// refused: it may hold records or fields this build would drop.
pub const FORMAT: u32 = 1;

/// One line of an export file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Header(Header),
    User(User),
    Project(Project),
    Token(Token),
    Key(Key),
    PrivateKeyCount(PrivateKeyCount),
    AuditEvent(AuditEvent),
}

/// The first line: what wrote the file, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: u32,
    /// The version of the sshkeyd that wrote it.
    pub sshkeyd: String,
    /// `sqlite` or `postgres`: where it came from.
    pub backend: String,
    pub exported_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

/// A project and the counters the store keeps for it (the quota and the
/// O(1) list total); both follow from the keys, and import checks them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: i64,
    pub key_count: i64,
    pub shared_count: i64,
}

/// A token without a secret (none is stored): SHA-256 of its secret part as
/// lower-case hex, which is what authenticates it after an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    pub id: String,
    pub user: i64,
    pub secret_hash: String,
    pub created_at: i64,
    #[serde(deserialize_with = "nullable")]
    pub expires_at: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub last_used_at: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub revoked_at: Option<i64>,
    pub read_only: bool,
    /// Granted projects, ascending.
    pub projects: Vec<i64>,
}

/// A key with every stored field; `public_key` is the stored text byte for
/// byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub id: String,
    pub project: i64,
    pub owner: i64,
    pub name: String,
    pub public_key: String,
    pub fingerprint: String,
    pub fingerprint_sha256: String,
    pub shared: bool,
    pub created_at: i64,
}

/// How many unshared keys `owner` has in `project` (the other part of a
/// list total); only counts above zero are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateKeyCount {
    pub project: i64,
    pub owner: i64,
    pub count: i64,
}

/// One event of the audit trail, with its id (its place in the trail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub action: String,
    pub user: i64,
    pub project: i64,
    pub key_id: String,
    pub fingerprint: String,
    pub request_id: String,
}

/// A field that must be present even when it is `null`: serde would
/// otherwise read a missing `Option` as `None`.
fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::deserialize(d)
}

/// Lower-case hex, as `secret_hash` is written.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 32 bytes of a `secret_hash`: exactly 64 lower-case hex digits.
pub fn secret_hash_bytes(hex: &str) -> Option<[u8; 32]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

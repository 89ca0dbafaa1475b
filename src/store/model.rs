//! The records the store reads and writes.

use std::time::Duration;

use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use crate::keys::{KeyName, PublicKey};

/// A Gcore project id: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(pub i64);

/// Internal id of a user (the name is unique too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A key's public id, a random (v4) UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub Uuid);

/// A token's public id: the part of a token before its secret, safe to
/// print in `token list` and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenId(pub String);

/// Microseconds since the Unix epoch, UTC. Integers sort and compare the
/// same in SQLite and PostgreSQL, which keeps ordering identical on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self((nanos / 1000) as i64)
    }

    /// RFC 3339 in UTC with microseconds, e.g. `2025-06-16T17:05:50.123456Z`.
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default()
    }

    /// This time plus a duration, saturating.
    pub fn plus(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d.as_micros().min(i64::MAX as u128) as i64))
    }
}

/// A key about to be inserted.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Fresh v4 UUID.
    pub id: KeyId,
    /// Project it belongs to.
    pub project: ProjectId,
    /// The user creating it; only they may change or delete it.
    pub owner: UserId,
    /// Validated name.
    pub name: KeyName,
    /// Validated, normalised public key.
    pub public_key: PublicKey,
    /// Visible to the whole project, or only to `owner`.
    pub shared: bool,
    /// Creation time.
    pub created_at: Timestamp,
}

impl NewKey {
    /// The key as it reads back once inserted; both backends return this
    /// from a create instead of reading the row again.
    pub fn stored(&self) -> SshKey {
        SshKey {
            id: self.id,
            project: self.project,
            owner: self.owner,
            name: self.name.as_str().to_owned(),
            public_key: self.public_key.openssh().to_owned(),
            fingerprint: self.public_key.fingerprint().as_str().to_owned(),
            shared: self.shared,
            created_at: self.created_at,
        }
    }
}

/// A stored key. Never carries a private key: there is none to carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    /// Public id.
    pub id: KeyId,
    /// Project.
    pub project: ProjectId,
    /// Creator.
    pub owner: UserId,
    /// Name, unique in the project.
    pub name: String,
    /// Normalised `type base64 [comment]`.
    pub public_key: String,
    /// MD5 colon hex.
    pub fingerprint: String,
    /// Shared in the project.
    pub shared: bool,
    /// Creation time.
    pub created_at: Timestamp,
}

/// Sort orders of the list operation. Each breaks ties by id so that pages
/// never overlap or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyOrder {
    /// `created_at.asc`
    CreatedAsc,
    /// `created_at.desc`, the default.
    #[default]
    CreatedDesc,
    /// `name.asc`
    NameAsc,
    /// `name.desc`
    NameDesc,
}

impl KeyOrder {
    /// Every order, with its query-string spelling.
    pub const ALL: [(&'static str, KeyOrder); 4] = [
        ("created_at.asc", KeyOrder::CreatedAsc),
        ("created_at.desc", KeyOrder::CreatedDesc),
        ("name.asc", KeyOrder::NameAsc),
        ("name.desc", KeyOrder::NameDesc),
    ];

    /// Parses the query-string spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(name, _)| *name == s).map(|(_, o)| *o)
    }

    /// The SQL `ORDER BY` clause, identical on both backends (names use
    /// binary collation on both).
    pub fn sql(self) -> &'static str {
        match self {
            KeyOrder::CreatedAsc => "created_at ASC, id ASC",
            KeyOrder::CreatedDesc => "created_at DESC, id DESC",
            KeyOrder::NameAsc => "name ASC, id ASC",
            KeyOrder::NameDesc => "name DESC, id DESC",
        }
    }
}

/// A list request, already validated.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Project to list.
    pub project: ProjectId,
    /// Who is asking; decides which unshared keys are visible.
    pub viewer: UserId,
    /// Page size, 1 to 1000.
    pub limit: u32,
    /// Rows to skip.
    pub offset: u64,
    /// Case-sensitive literal substring of the name.
    pub name_contains: Option<String>,
    /// Sort order.
    pub order: KeyOrder,
}

/// One page and the total number of keys matching the filter.
#[derive(Debug, Clone)]
pub struct KeyPage {
    /// Total matching, not the page size.
    pub count: u64,
    /// This page.
    pub keys: Vec<SshKey>,
}

/// A token as the authenticator needs it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Public id.
    pub id: TokenId,
    /// Owner.
    pub user: UserId,
    /// SHA-256 of the secret part.
    pub secret_hash: [u8; 32],
    /// Projects it may use (shared with every request's `Principal`).
    pub projects: std::sync::Arc<[ProjectId]>,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Set once revoked.
    pub revoked: bool,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Public id.
    pub id: TokenId,
    /// User name; created if new.
    pub user_name: String,
    /// Projects to grant; created if new.
    pub projects: Vec<ProjectId>,
    /// SHA-256 of the secret part.
    pub secret_hash: [u8; 32],
    /// Creation time.
    pub created_at: Timestamp,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
}

/// A token as `token list` shows it: no secret, no hash.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Public id.
    pub id: TokenId,
    /// User name.
    pub user_name: String,
    /// Granted projects.
    pub projects: Vec<ProjectId>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Expiry, if any.
    pub expires_at: Option<Timestamp>,
    /// Last use, to within a minute.
    pub last_used_at: Option<Timestamp>,
    /// Revocation time, if revoked.
    pub revoked_at: Option<Timestamp>,
}

/// Who is writing and why, recorded with every write in the same transaction.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// Acting user; also decides ownership checks.
    pub actor: UserId,
    /// The HTTP request id, to correlate with logs.
    pub request_id: String,
    /// When.
    pub at: Timestamp,
}

/// One line of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// When.
    pub at: Timestamp,
    /// `create`, `share`, `unshare` or `delete`.
    pub action: String,
    /// Acting user's name.
    pub user_name: String,
    /// Project.
    pub project: ProjectId,
    /// Key.
    pub key_id: KeyId,
    /// Key fingerprint.
    pub fingerprint: String,
    /// Request id.
    pub request_id: String,
}

/// Connection pool settings. SQLite uses `max_connections` for its readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    /// Maximum connections.
    pub max_connections: u32,
    /// How long a request waits for a connection before getting 503.
    pub acquire_timeout: Duration,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// Server-side statement timeout (PostgreSQL).
    pub statement_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

//! What the store takes and returns besides the domain's keys: list
//! queries and pages, tokens, the audit trail and pool settings.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::{KeyFingerprint, KeyId, KeyOrder, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};

/// A list request, already validated.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub project: ProjectId,
    /// Who is asking; decides which unshared keys are visible.
    pub viewer: UserId,
    /// Page size, 1 to 1000.
    pub limit: u32,
    pub offset: u64,
    /// Case-sensitive literal substring of the name.
    pub name_contains: Option<String>,
    /// Only keys created by the user of this name (the v2 face's `user_id`).
    pub owner_name: Option<String>,
    pub order: KeyOrder,
    /// Only keys with this fingerprint (an index lookup).
    pub fingerprint: Option<KeyFingerprint>,
}

/// What an `authorized_keys` answer asks for: the keys `viewer` may see in
/// `project`, optionally only those created by `owner` or with
/// `fingerprint`. Answered in name order, ties broken by id.
#[derive(Debug, Clone)]
pub struct AuthorizedKeysQuery {
    pub project: ProjectId,
    pub viewer: UserId,
    pub owner: Option<UserName>,
    pub fingerprint: Option<KeyFingerprint>,
}

/// One page and the total number of keys matching the filter.
#[derive(Debug, Clone)]
pub struct KeyPage {
    /// Total matching, not the page size.
    pub count: u64,
    pub keys: Vec<SshKey>,
}

/// A token as the authenticator needs it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user: UserId,
    /// SHA-256 of the secret part.
    pub secret_hash: [u8; 32],
    /// Shared with every request's `Principal` rather than copied.
    pub projects: Arc<[ProjectId]>,
    pub expires_at: Option<Timestamp>,
    pub revoked: bool,
    /// May read but not create, change or delete keys.
    pub read_only: bool,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: TokenId,
    /// Created if new.
    pub user_name: UserName,
    /// Created if new.
    pub projects: Vec<ProjectId>,
    /// SHA-256 of the secret part.
    pub secret_hash: [u8; 32],
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// May read but not create, change or delete keys.
    pub read_only: bool,
}

/// A token as `token list` shows it: no secret, no hash.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: TokenId,
    pub user_name: String,
    pub projects: Vec<ProjectId>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// To within a minute (see the authenticator).
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub read_only: bool,
}

/// Who is writing and why, recorded with every write in the same transaction.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// Also the user the ownership rule is checked for.
    pub actor: UserId,
    /// The HTTP request id, to correlate with logs.
    pub request_id: String,
    pub at: Timestamp,
}

/// One line of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub at: Timestamp,
    /// `create`, `share`, `unshare` or `delete`.
    pub action: String,
    pub user_name: String,
    pub project: ProjectId,
    pub key_id: KeyId,
    pub fingerprint: String,
    pub request_id: String,
}

/// Connection pool settings. SQLite uses `max_connections` for its readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// How long a request waits for a connection before getting 503.
    pub acquire_timeout: Duration,
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

//! The one interface the service has to its database.

use async_trait::async_trait;

use super::error::StoreError;
use super::model::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, KeyPage, ListQuery, NewToken, TokenInfo, TokenRecord,
};
use crate::domain::{AuthorizedKey, KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};

/// Everything the service persists: keys, tokens, the audit trail.
///
/// Every write returns only after its transaction is durably committed.
#[async_trait]
pub trait KeyStore: Send + Sync + 'static {
    /// Inserts a key, enforcing name uniqueness and `max_keys` per project.
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError>;

    /// Returns the key if it exists in `project` and `viewer` may see it.
    async fn get_key(&self, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError>;

    /// The key with this id if it is in one of `projects` and `viewer` may
    /// see it, for a face whose requests name no project (`/cloud/v2/keypairs`).
    async fn get_key_by_id(
        &self,
        viewer: UserId,
        id: KeyId,
        projects: &[ProjectId],
    ) -> Result<Option<SshKey>, StoreError>;

    /// One page of the keys `query.viewer` may see, with the total count.
    async fn list_keys(&self, query: &ListQuery) -> Result<KeyPage, StoreError>;

    /// The keys `query.viewer` may see that match the query, as
    /// `authorized_keys` lines need them: sshd asks on every login attempt,
    /// so with a fingerprint this is one index lookup.
    async fn authorized_keys(&self, query: &AuthorizedKeysQuery) -> Result<Vec<AuthorizedKey>, StoreError>;

    /// Changes sharing. `NotFound` if `actor` cannot see the key,
    /// `NotOwner` if they can but did not create it.
    async fn set_shared(
        &self,
        project: ProjectId,
        id: KeyId,
        shared: bool,
        audit: AuditContext,
    ) -> Result<SshKey, StoreError>;

    /// Deletes a key, with the same `NotFound`/`NotOwner` rules as [`KeyStore::set_shared`].
    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError>;

    /// Looks a token up by its public id, for the authenticator.
    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError>;

    /// The id of the user with this name, creating the user if new.
    async fn ensure_user(&self, name: &UserName) -> Result<UserId, StoreError>;

    /// Creates the user and projects if needed and stores a new token.
    async fn create_token(&self, token: NewToken) -> Result<(), StoreError>;

    /// All tokens, without secrets, newest first.
    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError>;

    /// Revokes a token; `NotFound` if no such token.
    async fn revoke_token(&self, id: &TokenId) -> Result<(), StoreError>;

    /// Records that a token was used at `at` (coarse; see the authenticator).
    async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError>;

    /// Whether any token exists, for the first-start bootstrap.
    async fn has_tokens(&self) -> Result<bool, StoreError>;

    /// Audit events, oldest first, optionally for one project.
    async fn audit_events(&self, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError>;

    /// Cheap round trip for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;
}

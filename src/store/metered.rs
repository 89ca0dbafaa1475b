//! A [`KeyStore`] decorator that every store call of the service goes
//! through, so both backends are observed the same way without touching
//! either: each call runs in a `store` span naming the operation (a debug
//! span, free when that level is off), its latency and outcome go to the
//! metrics, and an internal error learns which operation failed, so the log
//! line of a 500 says what broke.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tracing::Instrument;

use super::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, KeyPage, KeyStore, ListQuery, NewToken, StoreError, TokenInfo,
    TokenRecord,
};
use crate::domain::{AuthorizedKey, KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};

pub struct MeteredStore {
    inner: Arc<dyn KeyStore>,
}

impl MeteredStore {
    pub fn wrap(inner: Arc<dyn KeyStore>) -> Arc<dyn KeyStore> {
        Arc::new(Self { inner })
    }
}

/// Runs one operation in its span and records its latency and outcome.
async fn observed<T>(
    operation: &'static str,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = call.instrument(tracing::debug_span!("store", operation)).await;
    crate::metrics::store_operation(operation, started.elapsed().as_secs_f64(), result.is_ok());
    result.map_err(|e| match e {
        StoreError::Internal(cause) => StoreError::Internal(cause.context(format!("store operation {operation}"))),
        other => other,
    })
}

#[async_trait]
impl KeyStore for MeteredStore {
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        observed("create_key", self.inner.create_key(key, max_keys, audit)).await
    }
    async fn get_key(&self, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
        observed("get_key", self.inner.get_key(project, viewer, id)).await
    }
    async fn get_key_by_id(
        &self,
        viewer: UserId,
        id: KeyId,
        projects: &[ProjectId],
    ) -> Result<Option<SshKey>, StoreError> {
        observed("get_key_by_id", self.inner.get_key_by_id(viewer, id, projects)).await
    }
    async fn list_keys(&self, query: &ListQuery) -> Result<KeyPage, StoreError> {
        observed("list_keys", self.inner.list_keys(query)).await
    }
    async fn authorized_keys(&self, query: &AuthorizedKeysQuery) -> Result<Vec<AuthorizedKey>, StoreError> {
        observed("authorized_keys", self.inner.authorized_keys(query)).await
    }
    async fn set_shared(
        &self,
        project: ProjectId,
        id: KeyId,
        shared: bool,
        audit: AuditContext,
    ) -> Result<SshKey, StoreError> {
        observed("set_shared", self.inner.set_shared(project, id, shared, audit)).await
    }
    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        observed("delete_key", self.inner.delete_key(project, id, audit)).await
    }
    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        observed("find_token", self.inner.find_token(id)).await
    }
    async fn ensure_user(&self, name: &UserName) -> Result<UserId, StoreError> {
        observed("ensure_user", self.inner.ensure_user(name)).await
    }
    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        observed("create_token", self.inner.create_token(token)).await
    }
    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        observed("list_tokens", self.inner.list_tokens()).await
    }
    async fn revoke_token(&self, id: &TokenId) -> Result<(), StoreError> {
        observed("revoke_token", self.inner.revoke_token(id)).await
    }
    async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        observed("touch_token", self.inner.touch_token(id, at)).await
    }
    async fn has_tokens(&self) -> Result<bool, StoreError> {
        observed("has_tokens", self.inner.has_tokens()).await
    }
    async fn audit_events(&self, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
        observed("audit_events", self.inner.audit_events(project)).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        observed("ping", self.inner.ping()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_internal_error_names_the_operation_and_keeps_its_cause() {
        let failed = observed("get_key", async { Err::<(), _>(StoreError::Internal(anyhow::anyhow!("disk on fire"))) });
        let StoreError::Internal(cause) = failed.await.unwrap_err() else { panic!("stays internal") };
        assert_eq!(format!("{cause:#}"), "store operation get_key: disk on fire");
        let refused = observed("delete_key", async { Err::<(), _>(StoreError::NotOwner) }).await;
        assert!(matches!(refused, Err(StoreError::NotOwner)), "other errors pass unchanged");
    }
}

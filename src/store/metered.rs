//! A [`KeyStore`] decorator that times every operation into the metrics,
//! so both backends are measured the same way without touching either.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;

use super::{AuditContext, AuditEvent, KeyPage, KeyStore, ListQuery, NewToken, StoreError, TokenInfo, TokenRecord};
use crate::domain::{KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId};

/// Wraps a store and records `sshkeyd_store_operation_duration_seconds`.
pub struct MeteredStore {
    inner: Arc<dyn KeyStore>,
}

impl MeteredStore {
    /// Wraps `inner`.
    pub fn wrap(inner: Arc<dyn KeyStore>) -> Arc<dyn KeyStore> {
        Arc::new(Self { inner })
    }
}

/// Runs one operation and records its latency and outcome.
async fn timed<T>(operation: &'static str, f: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
    let started = Instant::now();
    let result = f.await;
    crate::metrics::store_operation(operation, started.elapsed().as_secs_f64(), result.is_ok());
    result
}

#[async_trait]
impl KeyStore for MeteredStore {
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        timed("create_key", self.inner.create_key(key, max_keys, audit)).await
    }
    async fn get_key(&self, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
        timed("get_key", self.inner.get_key(project, viewer, id)).await
    }
    async fn list_keys(&self, query: &ListQuery) -> Result<KeyPage, StoreError> {
        timed("list_keys", self.inner.list_keys(query)).await
    }
    async fn set_shared(
        &self,
        project: ProjectId,
        id: KeyId,
        shared: bool,
        audit: AuditContext,
    ) -> Result<SshKey, StoreError> {
        timed("set_shared", self.inner.set_shared(project, id, shared, audit)).await
    }
    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        timed("delete_key", self.inner.delete_key(project, id, audit)).await
    }
    async fn bulk_insert(&self, keys: Vec<NewKey>) -> Result<(), StoreError> {
        timed("bulk_insert", self.inner.bulk_insert(keys)).await
    }
    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        timed("find_token", self.inner.find_token(id)).await
    }
    async fn ensure_user(&self, name: &str) -> Result<UserId, StoreError> {
        timed("ensure_user", self.inner.ensure_user(name)).await
    }
    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        timed("create_token", self.inner.create_token(token)).await
    }
    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        timed("list_tokens", self.inner.list_tokens()).await
    }
    async fn revoke_token(&self, id: &TokenId) -> Result<(), StoreError> {
        timed("revoke_token", self.inner.revoke_token(id)).await
    }
    async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        timed("touch_token", self.inner.touch_token(id, at)).await
    }
    async fn has_tokens(&self) -> Result<bool, StoreError> {
        timed("has_tokens", self.inner.has_tokens()).await
    }
    async fn audit_events(&self, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
        timed("audit_events", self.inner.audit_events(project)).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        timed("ping", self.inner.ping()).await
    }
}

//! No error after a committed write.
//!
//! An SDK retries a request that got 408, 503 or a 5xx. If such an error
//! could follow a write that committed, the retry of a create would meet
//! 409 and a generated private key would be lost for good. So once a write
//! is handed to the store, its request waits for the outcome: the request
//! timeout ([`within_deadline`]) applies only before that point, and load
//! shedding happens earlier still (at admission). The write itself runs in
//! its own task ([`HandOverStore`]), so a client that disconnects (hyper then
//! drops the request's future) cannot cut it off halfway: it completes, and
//! its outcome is logged instead of answered.
//!
//! The request and its store call meet through a task-local flag: the
//! deadline sets it up around the handler, and the store decorator raises
//! it as it hands a write over. Both run in the request's task, so there is
//! no window in which the deadline sees "not handed over" for a write that
//! was.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::response::Response;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::domain::{AuthorizedKey, KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};
use crate::store::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, KeyPage, KeyStore, ListQuery, NewToken, StoreError, TokenInfo,
    TokenRecord,
};

tokio::task_local! {
    /// Raised once the current request has handed a write to the store.
    static HANDED_OVER: Arc<AtomicBool>;
}

/// Runs `handler` under the request timeout: past `limit`, `None` (the
/// caller answers 408), unless the handler has handed a write over by
/// then, in which case its own answer is awaited (the store's timeouts
/// bound it).
pub async fn within_deadline(limit: Duration, handler: impl Future<Output = Response>) -> Option<Response> {
    let handed_over = Arc::new(AtomicBool::new(false));
    let handler = HANDED_OVER.scope(handed_over.clone(), handler);
    tokio::pin!(handler);
    tokio::select! {
        biased;
        response = &mut handler => Some(response),
        () = tokio::time::sleep(limit) => match handed_over.load(Ordering::Acquire) {
            true => Some(handler.await),
            false => None,
        },
    }
}

/// Hands `write` to a task of its own and waits for its outcome. From here
/// on the request timeout no longer applies.
async fn hand_over<T: Send + 'static>(
    write: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    let _ = HANDED_OVER.try_with(|flag| flag.store(true, Ordering::Release));
    let (reply, outcome) = oneshot::channel();
    let task = async move {
        if let Err(unheard) = reply.send(write.await) {
            match unheard {
                Ok(_) => tracing::info!("the client went away before the answer; its write was committed"),
                Err(e) => tracing::info!(error = %e, "the client went away before the answer; its write failed"),
            }
        }
    };
    tokio::spawn(task.in_current_span());
    outcome.await.unwrap_or_else(|_| Err(StoreError::Internal(anyhow::anyhow!("the write's task ended unanswered"))))
}

/// The store as the API uses it: the writes a request makes (create,
/// share, delete) go through [`hand_over`]; everything else passes through.
pub struct HandOverStore {
    inner: Arc<dyn KeyStore>,
}

impl HandOverStore {
    pub fn wrap(inner: Arc<dyn KeyStore>) -> Arc<dyn KeyStore> {
        Arc::new(Self { inner })
    }
}

#[async_trait]
impl KeyStore for HandOverStore {
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        let inner = self.inner.clone();
        hand_over(async move { inner.create_key(key, max_keys, audit).await }).await
    }
    async fn set_shared(
        &self,
        project: ProjectId,
        id: KeyId,
        shared: bool,
        audit: AuditContext,
    ) -> Result<SshKey, StoreError> {
        let inner = self.inner.clone();
        hand_over(async move { inner.set_shared(project, id, shared, audit).await }).await
    }
    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        hand_over(async move { inner.delete_key(project, id, audit).await }).await
    }
    async fn get_key(&self, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
        self.inner.get_key(project, viewer, id).await
    }
    async fn get_key_by_id(
        &self,
        viewer: UserId,
        id: KeyId,
        projects: &[ProjectId],
    ) -> Result<Option<SshKey>, StoreError> {
        self.inner.get_key_by_id(viewer, id, projects).await
    }
    async fn list_keys(&self, query: &ListQuery) -> Result<KeyPage, StoreError> {
        self.inner.list_keys(query).await
    }
    async fn authorized_keys(&self, query: &AuthorizedKeysQuery) -> Result<Vec<AuthorizedKey>, StoreError> {
        self.inner.authorized_keys(query).await
    }
    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.inner.find_token(id).await
    }
    async fn ensure_user(&self, name: &UserName) -> Result<UserId, StoreError> {
        self.inner.ensure_user(name).await
    }
    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        self.inner.create_token(token).await
    }
    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        self.inner.list_tokens().await
    }
    async fn revoke_token(&self, id: &TokenId) -> Result<(), StoreError> {
        self.inner.revoke_token(id).await
    }
    async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        self.inner.touch_token(id, at).await
    }
    async fn has_tokens(&self) -> Result<bool, StoreError> {
        self.inner.has_tokens().await
    }
    async fn audit_events(&self, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
        self.inner.audit_events(project).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    fn ok() -> Response {
        StatusCode::CREATED.into_response()
    }

    #[tokio::test]
    async fn past_the_deadline_a_handler_gets_408_unless_it_has_handed_a_write_over() {
        let limit = Duration::from_millis(50);
        let slow = within_deadline(limit, async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            ok()
        });
        assert!(slow.await.is_none(), "past the deadline");
        let handed_over = within_deadline(limit, async {
            hand_over(async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
            ok()
        });
        let answer = handed_over.await.map(|r| r.status());
        assert_eq!(answer, Some(StatusCode::CREATED), "the write's answer is awaited");
    }

    #[tokio::test]
    async fn a_handed_over_write_completes_when_its_request_is_dropped() {
        let (done, finished) = oneshot::channel();
        let request = tokio::spawn(within_deadline(Duration::from_secs(5), async move {
            let _ = hand_over(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = done.send(());
                Ok::<_, StoreError>(())
            })
            .await;
            ok()
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
        request.abort();
        let finished = tokio::time::timeout(Duration::from_secs(2), finished).await;
        assert!(matches!(finished, Ok(Ok(()))), "the write ran to its end");
    }
}

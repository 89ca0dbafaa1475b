//! A real store whose key creations are held up after they committed: the
//! way to make a request hold its in-flight slot for as long as a test
//! needs, or to make a commit outlast the request timeout. It can also make
//! token lookups slow, and counts them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use sshkeyd::domain::{AuthorizedKey, KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};
use sshkeyd::store::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, KeyPage, KeyStore, ListQuery, NewToken, StoreError, TokenInfo,
    TokenRecord,
};
use tokio::sync::Semaphore;

/// What a create waits for once the inner store has committed it, given
/// the key's name.
type Hold = Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Wraps a real store; every `create_key` commits, then waits on `hold`.
pub struct SlowCommits {
    inner: Arc<dyn KeyStore>,
    hold: Hold,
    /// Creates that have committed and are being held.
    pub held: AtomicUsize,
    /// How long each token lookup takes on top of the real one.
    lookup_delay: Duration,
    /// Token lookups made.
    pub token_lookups: AtomicUsize,
}

impl SlowCommits {
    /// Creates wait until [`Gate::open`] lets them go.
    pub fn gated(inner: Arc<dyn KeyStore>, gate: &Gate) -> Arc<Self> {
        let permits = gate.0.clone();
        let hold: Hold = Arc::new(move |_| {
            let permits = permits.clone();
            Box::pin(async move { permits.acquire().await.expect("the gate is never closed").forget() })
        });
        Self::with(inner, hold, Duration::ZERO)
    }

    /// Each create waits `delay(name)`.
    pub fn delayed(inner: Arc<dyn KeyStore>, delay: fn(&str) -> Duration) -> Arc<Self> {
        let hold: Hold = Arc::new(move |name| Box::pin(tokio::time::sleep(delay(&name))));
        Self::with(inner, hold, Duration::ZERO)
    }

    /// Creates as usual; each token lookup takes `delay` longer.
    pub fn slow_token_lookups(inner: Arc<dyn KeyStore>, delay: Duration) -> Arc<Self> {
        Self::with(inner, Arc::new(|_| Box::pin(async {})), delay)
    }

    fn with(inner: Arc<dyn KeyStore>, hold: Hold, lookup_delay: Duration) -> Arc<Self> {
        Arc::new(Self { inner, hold, held: AtomicUsize::new(0), lookup_delay, token_lookups: AtomicUsize::new(0) })
    }

    /// Waits (at most 10 s) until `n` creates are held.
    pub async fn until_held(&self, n: usize) {
        for _ in 0..1000 {
            if self.held.load(Ordering::SeqCst) >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{n} creates did not reach the store within 10 s");
    }
}

/// Holds gated creates until opened.
#[derive(Clone)]
pub struct Gate(Arc<Semaphore>);

impl Gate {
    pub fn closed() -> Self {
        Self(Arc::new(Semaphore::new(0)))
    }

    /// Lets every create through, now and later.
    pub fn open(&self) {
        self.0.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

#[async_trait]
impl KeyStore for SlowCommits {
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        let name = key.name.as_str().to_owned();
        let created = self.inner.create_key(key, max_keys, audit).await;
        self.held.fetch_add(1, Ordering::SeqCst);
        (self.hold)(name).await;
        self.held.fetch_sub(1, Ordering::SeqCst);
        created
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
    async fn set_shared(&self, p: ProjectId, id: KeyId, shared: bool, a: AuditContext) -> Result<SshKey, StoreError> {
        self.inner.set_shared(p, id, shared, a).await
    }
    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        self.inner.delete_key(project, id, audit).await
    }
    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.token_lookups.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.lookup_delay).await;
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

/// A server whose creates the store holds until `Gate::open`.
pub async fn spawn_gated(settings: sshkeyd::config::Settings) -> (crate::helpers::TestApp, Arc<SlowCommits>, Gate) {
    let gate = Gate::closed();
    let made = Arc::new(std::sync::OnceLock::new());
    let (for_store, made_here) = (gate.clone(), made.clone());
    let app = crate::helpers::TestApp::spawn_wrapped(settings, move |store| {
        let slow = SlowCommits::gated(store, &for_store);
        let _ = made_here.set(slow.clone());
        slow
    })
    .await;
    let slow = made.get().expect("the server's store was made").clone();
    (app, slow, gate)
}

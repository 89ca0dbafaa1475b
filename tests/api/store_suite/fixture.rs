//! One store of either backend, with helpers to make users, projects and
//! keys, and to read rows straight from the database.

use std::sync::Arc;

use sshkeyd::domain::{
    KeyId, KeyName, KeyOrder, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, generate_ed25519,
};
use sshkeyd::store::{
    self, AuditContext, BulkLoad, DatabaseUrl, KeyPage, KeyStore, ListQuery, NewToken, PoolOptions, StoreError,
};
use uuid::Uuid;

use super::pg::TestDatabase;
use crate::helpers::user_name;

/// Quota used unless a test says otherwise.
pub const MAX_KEYS: u32 = 100;

/// A store on a fresh database. Fields drop in order: the store (and its
/// pool) before the database it points at.
pub struct Fixture {
    /// The store under test.
    pub store: Arc<dyn KeyStore>,
    /// The same store, for bulk loads.
    pub bulk: Arc<dyn BulkLoad>,
    /// Its database, for reading rows directly.
    pub database: DatabaseUrl,
    _sqlite_dir: Option<tempfile::TempDir>,
    _postgres: Option<TestDatabase>,
}

impl Fixture {
    /// A store on a new SQLite file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = DatabaseUrl::Sqlite(dir.path().join("suite.db"));
        let bulk = open(&database).await;
        Self { store: bulk.clone(), bulk, database, _sqlite_dir: Some(dir), _postgres: None }
    }

    /// A store on a new PostgreSQL database, or `None` when skipped.
    pub async fn postgres(test: &str) -> Option<Self> {
        let db = TestDatabase::for_test(test).await?;
        let database = DatabaseUrl::parse(&db.url).unwrap();
        let bulk = open(&database).await;
        Some(Self { store: bulk.clone(), bulk, database, _sqlite_dir: None, _postgres: Some(db) })
    }

    /// A user with a token on `projects`, which creates the projects.
    pub async fn user(&self, name: &str, projects: &[i64]) -> UserId {
        let token = NewToken {
            id: TokenId(format!("tok-{}", Uuid::new_v4().simple())),
            user_name: user_name(name),
            projects: projects.iter().copied().map(ProjectId).collect(),
            secret_hash: [7; 32],
            created_at: Timestamp::now(),
            expires_at: None,
            read_only: false,
        };
        self.store.create_token(token).await.unwrap();
        self.store.ensure_user(&user_name(name)).await.unwrap()
    }

    /// Creates a key with a fresh id and the current time.
    pub async fn create(&self, project: i64, owner: UserId, name: &str, shared: bool) -> Result<SshKey, StoreError> {
        self.create_max(project, owner, name, shared, MAX_KEYS).await
    }

    /// Creates a key under quota `max_keys`.
    pub async fn create_max(
        &self,
        project: i64,
        owner: UserId,
        name: &str,
        shared: bool,
        max_keys: u32,
    ) -> Result<SshKey, StoreError> {
        let key = new_key(project, owner, name, shared, Timestamp::now(), KeyId(Uuid::new_v4()));
        self.store.create_key(key, max_keys, audit(owner)).await
    }

    /// Creates keys `(name, shared)` all at once, each on its own task, and
    /// returns every result (in no particular order).
    pub async fn create_concurrently(
        &self,
        project: i64,
        owner: UserId,
        keys: Vec<(String, bool)>,
        max_keys: u32,
    ) -> Vec<Result<SshKey, StoreError>> {
        let mut tasks = tokio::task::JoinSet::new();
        for (name, shared) in keys {
            let store = self.store.clone();
            let key = new_key(project, owner, &name, shared, Timestamp::now(), KeyId(Uuid::new_v4()));
            tasks.spawn(async move { store.create_key(key, max_keys, audit(owner)).await });
        }
        tasks.join_all().await
    }

    /// Every key `viewer` sees in `project` in `order`, with the total.
    pub async fn list_all(&self, project: i64, viewer: UserId, order: KeyOrder, name: Option<&str>) -> KeyPage {
        self.list(project, viewer, order, name, 1000, 0).await
    }

    /// One page.
    pub async fn list(
        &self,
        project: i64,
        viewer: UserId,
        order: KeyOrder,
        name: Option<&str>,
        limit: u32,
        offset: u64,
    ) -> KeyPage {
        let query = ListQuery {
            project: ProjectId(project),
            viewer,
            limit,
            offset,
            name_contains: name.map(str::to_owned),
            owner_name: None,
            order,
            fingerprint: None,
        };
        self.store.list_keys(&query).await.unwrap()
    }
}

async fn open(database: &DatabaseUrl) -> Arc<dyn BulkLoad> {
    store::open_bulk(database, &PoolOptions { max_connections: 8, ..PoolOptions::default() }).await.unwrap()
}

/// A key to insert, with a freshly generated Ed25519 public key.
pub fn new_key(project: i64, owner: UserId, name: &str, shared: bool, created_at: Timestamp, id: KeyId) -> NewKey {
    NewKey {
        id,
        project: ProjectId(project),
        owner,
        name: KeyName::parse(name).unwrap_or_else(|e| panic!("{name}: {e}")),
        public_key: generate_ed25519().unwrap().public,
        shared,
        created_at,
    }
}

/// The audit context of a write by `actor`.
pub fn audit(actor: UserId) -> AuditContext {
    AuditContext { actor, request_id: format!("req-{}", Uuid::new_v4().simple()), at: Timestamp::now() }
}

//! The embedded SQLite backend: one group-commit writer thread, a small pool
//! of read-only connections that never wait for it.

mod backfill;
mod backup;
mod connection;
mod dump;
mod errors;
mod job;
mod lookup;
mod reads;
mod restore;
mod rows;
mod tokens;
mod writer;
mod writes;

use std::path::Path;

use async_trait::async_trait;

pub use backup::backup_sqlite;
pub use dump::SqliteDump;
pub use restore::SqliteRestore;

use crate::domain::{AuthorizedKey, KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};
use crate::store::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, BulkLoad, KeyPage, KeyStore, ListQuery, NewToken, PoolOptions,
    StoreError, TokenInfo, TokenRecord,
};
use errors::classify;
use reads::ReadPool;
use writer::Writer;

pub struct SqliteStore {
    writer: Writer,
    readers: ReadPool,
}

impl SqliteStore {
    /// Opens or creates the database at `path`, migrating it to the latest
    /// schema. `max_connections` sizes the reader pool. The directory must
    /// exist: creating it would turn a typo in the path into a new, empty
    /// database (and a new admin token) that looks like a working server.
    pub fn open(path: &Path, options: &PoolOptions) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
            anyhow::bail!("the database directory {} does not exist; create it first", dir.display());
        }
        let size = options.max_connections as usize;
        match Writer::start(path) {
            Ok(writer) => Ok(Self { writer, readers: ReadPool::open(path, size, false)? }),
            Err(e) if path.exists() => Self::open_read_only(path, size).map_err(|ro| e.context(ro)),
            Err(e) => Err(e),
        }
    }

    /// Serves an existing database that cannot be written (read-only file or
    /// file system): reads work, writes get 503. On read-only storage the
    /// readers must be immutable, which is safe only without a `-wal` file
    /// holding newer commits, and the schema must already be current.
    fn open_read_only(path: &Path, size: usize) -> anyhow::Result<Self> {
        // Opening is lazy in SQLite: only a first query shows whether a
        // plain read-only connection works here.
        let probe = |immutable| -> anyhow::Result<ReadPool> {
            let readers = ReadPool::open(path, size, immutable)?;
            let current = readers.with(|c| connection::has_current_schema(c).map_err(classify))?;
            anyhow::ensure!(current, "the database is read-only and its schema is not this version's");
            Ok(readers)
        };
        let readers = match probe(false) {
            Ok(readers) => readers,
            Err(_) if !has_pending_wal(path) => probe(true)?,
            Err(e) => return Err(e.context("the database is read-only and its WAL holds commits")),
        };
        tracing::warn!(path = %path.display(), "the database cannot be written: serving reads only; writes get 503");
        Ok(Self { writer: Writer::read_only(), readers })
    }
}

/// Whether a non-empty `-wal` file sits beside the database.
fn has_pending_wal(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).is_ok_and(|m| m.len() > 0)
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        self.writer.write(move |c| writes::create_key(c, &key, max_keys, &audit)).await
    }

    async fn get_key(&self, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
        self.readers.with(|c| reads::get_key(c, project, viewer, id))
    }

    async fn get_key_by_id(
        &self,
        viewer: UserId,
        id: KeyId,
        projects: &[ProjectId],
    ) -> Result<Option<SshKey>, StoreError> {
        self.readers.with(|c| reads::get_key_by_id(c, viewer, id, projects))
    }

    async fn list_keys(&self, query: &ListQuery) -> Result<KeyPage, StoreError> {
        self.readers.with(|c| reads::list_keys(c, query))
    }

    async fn authorized_keys(&self, query: &AuthorizedKeysQuery) -> Result<Vec<AuthorizedKey>, StoreError> {
        self.readers.with(|c| lookup::authorized_keys(c, query))
    }

    async fn set_shared(
        &self,
        project: ProjectId,
        id: KeyId,
        shared: bool,
        audit: AuditContext,
    ) -> Result<SshKey, StoreError> {
        self.writer.write(move |c| writes::set_shared(c, project, id, shared, &audit)).await
    }

    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        self.writer.write(move |c| writes::delete_key(c, project, id, &audit)).await
    }

    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        self.readers.with(|c| tokens::find(c, id))
    }

    async fn ensure_user(&self, name: &UserName) -> Result<UserId, StoreError> {
        let name = name.as_str().to_owned();
        self.writer.write(move |c| tokens::ensure_user(c, &name, Timestamp::now())).await
    }

    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        self.writer.write(move |c| tokens::create(c, &token)).await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        self.readers.with(tokens::list)
    }

    async fn revoke_token(&self, id: &TokenId) -> Result<(), StoreError> {
        let id = id.clone();
        self.writer.write(move |c| tokens::revoke(c, &id, Timestamp::now())).await
    }

    async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        let id = id.clone();
        self.writer.write(move |c| tokens::touch(c, &id, at)).await
    }

    async fn has_tokens(&self) -> Result<bool, StoreError> {
        self.readers.with(tokens::any)
    }

    async fn audit_events(&self, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
        self.readers.with(|c| reads::audit_events(c, project))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.readers.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(classify))
    }
}

#[async_trait]
impl BulkLoad for SqliteStore {
    async fn bulk_insert(&self, keys: Vec<NewKey>) -> Result<(), StoreError> {
        self.writer.write(move |c| writes::bulk_insert(c, &keys)).await
    }
}

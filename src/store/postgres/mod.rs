//! The PostgreSQL backend, for several stateless nodes behind one database.
//!
//! Everything that must hold across nodes is enforced by the database in
//! the writing transaction: a unique index on `(project_id, name)` (a
//! violation is [`StoreError::Conflict`]) and a conditional update of the
//! project's counter row for the quota. The audit event is written in the
//! same transaction. Ordering, pagination, visibility and errors match the
//! SQLite backend exactly; the shared test suite runs against both.
//!
//! Failures to reach the database become [`StoreError::Unavailable`] (a 503)
//! within bounded time (see [`connect`]), and the pool replaces broken
//! connections, so a node recovers by itself when the database returns.
//! With several hosts and `target_session_attrs=read-write` in the URL, a
//! new connection goes to whichever host is primary, so a node follows a
//! failover by itself; a key write whose COMMIT went unanswered is looked
//! up there ([`commit_outcome`]) rather than answered with an error that
//! might follow a committed write.

mod bulk;
pub mod commit_outcome;
mod connect;
mod creates;
mod dump;
mod errors;
mod lookup;
mod migrate;
mod reads;
mod restore;
mod restore_rows;
mod rows;
mod session;
mod sql;
mod tokens;
mod write_outcome;
mod writes;

use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Object, Pool};
use tokio::time::error::Elapsed;

use crate::domain::{AuthorizedKey, KeyId, NewKey, ProjectId, SshKey, Timestamp, TokenId, UserId, UserName};
use crate::store::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, BulkLoad, DatabaseUrl, KeyPage, KeyStore, ListQuery, NewToken,
    PoolOptions, StoreError, TokenInfo, TokenRecord,
};
use commit_outcome::KeyWrite;
use errors::{classify, pool_error};

pub use dump::PostgresDump;
pub use restore::PostgresRestore;

/// PostgreSQL-backed [`KeyStore`]. Its `Debug` shows neither URL nor
/// password.
pub struct PostgresStore {
    pool: Pool,
    /// Creates go through their own queue and connection (group commit).
    creates: creates::Creates,
    deadline: Duration,
    /// The pool's settings, for the connections of its own that a lookup
    /// after a lost COMMIT opens.
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore").field("size", &status.size).field("available", &status.available).finish()
    }
}

impl PostgresStore {
    /// Connects, brings the schema up to date (safe when several nodes start
    /// at once) and builds the pool.
    pub async fn open(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Self> {
        let DatabaseUrl::Postgres(raw) = url else { anyhow::bail!("{url} is not a PostgreSQL URL") };
        let config = connect::pg_config(raw, options)?;
        migrate::run(&config).await.map_err(|e| e.context(format!("migrating {url}")))?;
        let deadline = connect::operation_deadline(options);
        let settings = connect::session_settings(options);
        let creates = creates::Creates::start(config.clone(), settings, options.acquire_timeout, deadline);
        let pool = connect::pool(config.clone(), options)?;
        Ok(Self { pool, creates, deadline, config })
    }

    /// Takes a pooled connection; waiting for one (and opening it) is
    /// bounded by the pool's timeouts.
    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Ends an operation run under the deadline by [`on_connection!`] or
    /// [`in_transaction!`]. A connection is discarded rather than returned
    /// to the pool when its operation overran, since a late reply may still
    /// be on its way to it, and when it failed as unavailable: "not now" may
    /// mean "not this server any more" (an I/O error, an administrator's
    /// shutdown, a primary that is now read-only), and a new connection goes
    /// to whichever host is primary.
    fn settle<T>(&self, client: Object, outcome: Result<Result<T, StoreError>, Elapsed>) -> Result<T, StoreError> {
        match outcome {
            Ok(Err(e @ StoreError::Unavailable(_))) => {
                drop(Object::take(client));
                Err(e)
            }
            Ok(result) => result,
            Err(_) => Err(self.overran(client)),
        }
    }

    /// Ends a key write run by [`key_write!`]; `committing` says whether
    /// COMMIT had been sent when the deadline passed.
    async fn settle_write<T: write_outcome::FromCommitted>(
        &self,
        client: Object,
        outcome: Result<Result<T, write_outcome::Failure>, Elapsed>,
        committing: bool,
        write: impl FnOnce() -> KeyWrite,
    ) -> Result<T, StoreError> {
        match write_outcome::end_of(outcome, committing) {
            write_outcome::WriteEnd::Answered(outcome) => self.settle(client, outcome),
            write_outcome::WriteEnd::CommitLost(why) => {
                drop(Object::take(client));
                write_outcome::resolve_lost_commit(&self.config, &write(), self.deadline, &why).await
            }
        }
    }

    /// Discards a connection whose operation overran the deadline.
    fn overran(&self, client: Object) -> StoreError {
        drop(Object::take(client));
        StoreError::Unavailable(format!("the database did not answer within {:?}", self.deadline))
    }
}

/// Runs `$body`, a future using the pooled connection `$c`, under the
/// operation deadline. (A macro rather than a function taking a closure,
/// because the future borrows both the connection and the caller's
/// arguments, which a closure's signature cannot express.)
macro_rules! on_connection {
    ($store:ident, |$c:ident| $body:expr) => {{
        let $c = $store.client().await?;
        let outcome = tokio::time::timeout($store.deadline, $body).await;
        $store.settle($c, outcome)
    }};
}

/// Runs `$body`, a future using the transaction `$tx`, under the operation
/// deadline, and commits if it succeeds. On an error the transaction is
/// dropped, which rolls it back.
macro_rules! in_transaction {
    ($store:ident, |$tx:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let work = async {
            let $tx = client.transaction().await.map_err(classify)?;
            let value = $body.await?;
            $tx.commit().await.map_err(classify)?;
            Ok(value)
        };
        let outcome = tokio::time::timeout($store.deadline, work).await;
        $store.settle(client, outcome)
    }};
}

/// [`in_transaction!`] for a key write, which must never answer an error
/// after its commit: if COMMIT's answer is lost (the connection broke, or
/// the deadline passed once it was sent), `$write` (a closure giving the
/// [`commit_outcome::KeyWrite`]) is looked up (`write_outcome.rs`).
///
/// COMMIT runs without the statement timeout. With synchronous replication
/// it waits for the standby, and PostgreSQL reports a wait cut short by a
/// cancel (the statement timeout is one) as a success, for a commit that is
/// then only on the primary: a 2xx a failover could lose. The deadline
/// still bounds it, and past it the write is looked up like a lost answer.
macro_rules! key_write {
    ($store:ident, $write:expr, |$tx:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let committing = std::sync::atomic::AtomicBool::new(false);
        let work = async {
            let $tx = client.transaction().await.map_err(classify)?;
            let value = $body.await?;
            committing.store(true, std::sync::atomic::Ordering::Relaxed);
            $tx.commit().await.map_err(write_outcome::Failure::Commit)?;
            Ok::<_, write_outcome::Failure>(value)
        };
        let outcome = tokio::time::timeout($store.deadline, work).await;
        $store.settle_write(client, outcome, committing.into_inner(), $write).await
    }};
}

#[async_trait]
impl KeyStore for PostgresStore {
    async fn create_key(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        self.creates.create(key, max_keys, audit).await
    }

    async fn get_key(&self, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
        on_connection!(self, |c| reads::get_key(&c, project, viewer, id))
    }

    async fn get_key_by_id(
        &self,
        viewer: UserId,
        id: KeyId,
        projects: &[ProjectId],
    ) -> Result<Option<SshKey>, StoreError> {
        on_connection!(self, |c| reads::get_key_by_id(&c, viewer, id, projects))
    }

    async fn list_keys(&self, query: &ListQuery) -> Result<KeyPage, StoreError> {
        on_connection!(self, |c| reads::list_keys(&c, query))
    }

    async fn authorized_keys(&self, query: &AuthorizedKeysQuery) -> Result<Vec<AuthorizedKey>, StoreError> {
        on_connection!(self, |c| lookup::authorized_keys(&c, query))
    }

    async fn set_shared(
        &self,
        project: ProjectId,
        id: KeyId,
        shared: bool,
        audit: AuditContext,
    ) -> Result<SshKey, StoreError> {
        let write = || KeyWrite::Shared { project, id, shared };
        key_write!(self, write, |tx| writes::set_shared(&tx, project, id, shared, &audit))
    }

    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        let write = || KeyWrite::Deleted { project, id };
        key_write!(self, write, |tx| writes::delete_key(&tx, project, id, &audit))
    }

    async fn find_token(&self, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
        on_connection!(self, |c| tokens::find(&c, id))
    }

    async fn ensure_user(&self, name: &UserName) -> Result<UserId, StoreError> {
        on_connection!(self, |c| tokens::ensure_user(&c, name.as_str(), Timestamp::now()))
    }

    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        in_transaction!(self, |tx| tokens::create(&tx, &token))
    }

    async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        on_connection!(self, |c| tokens::list(&c))
    }

    async fn revoke_token(&self, id: &TokenId) -> Result<(), StoreError> {
        on_connection!(self, |c| tokens::revoke(&c, id, Timestamp::now()))
    }

    async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        on_connection!(self, |c| tokens::touch(&c, id, at))
    }

    async fn has_tokens(&self) -> Result<bool, StoreError> {
        on_connection!(self, |c| tokens::any(&c))
    }

    async fn audit_events(&self, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
        on_connection!(self, |c| reads::audit_events(&c, project))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_connection!(self, |c| async { c.simple_query("SELECT 1").await.map(|_| ()).map_err(classify) })
    }
}

#[async_trait]
impl BulkLoad for PostgresStore {
    async fn bulk_insert(&self, keys: Vec<NewKey>) -> Result<(), StoreError> {
        in_transaction!(self, |tx| bulk::bulk_insert(&tx, &keys))
    }
}

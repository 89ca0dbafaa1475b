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

mod bulk;
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
        let pool = connect::pool(config, options)?;
        Ok(Self { pool, creates, deadline })
    }

    /// Takes a pooled connection; waiting for one (and opening it) is
    /// bounded by the pool's timeouts.
    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Ends an operation run under the deadline by [`on_connection!`] or
    /// [`in_transaction!`]. A connection whose operation overran is
    /// discarded rather than returned to the pool, since a late reply may
    /// still be on its way to it.
    fn settle<T>(&self, client: Object, outcome: Result<Result<T, StoreError>, Elapsed>) -> Result<T, StoreError> {
        outcome.unwrap_or_else(|_| {
            drop(Object::take(client));
            Err(StoreError::Unavailable(format!("the database did not answer within {:?}", self.deadline)))
        })
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
        in_transaction!(self, |tx| writes::set_shared(&tx, project, id, shared, &audit))
    }

    async fn delete_key(&self, project: ProjectId, id: KeyId, audit: AuditContext) -> Result<(), StoreError> {
        in_transaction!(self, |tx| writes::delete_key(&tx, project, id, &audit))
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

//! Storage: one [`KeyStore`] trait with a SQLite and a PostgreSQL backend,
//! picked from the database URL's scheme.
//!
//! Both backends enforce the same rules in the database itself: unique names
//! per project (a unique index) and the per-project quota (a counter row
//! updated in the same transaction as the insert), so that concurrent
//! writers, even on different nodes, cannot race past either.

pub mod archive;
mod bulk_load;
mod error;
mod key_store;
pub(crate) mod metered;
mod model;
mod postgres;
mod queries;
mod sqlite;
mod url;

use std::sync::Arc;

pub use bulk_load::BulkLoad;
pub use error::StoreError;
pub use key_store::KeyStore;
pub use model::{
    AuditContext, AuditEvent, AuthorizedKeysQuery, KeyPage, ListQuery, NewToken, PoolOptions, TokenInfo, TokenRecord,
};
/// PostgreSQL: the lookup of a key write whose COMMIT went unanswered.
pub use postgres::commit_outcome;
pub use sqlite::backup_sqlite;
pub use url::DatabaseUrl;

/// Opens the backend the URL names and runs its migrations.
pub async fn open(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Arc<dyn KeyStore>> {
    Ok(open_bulk(url, options).await?)
}

/// [`open`], for the seed command: the same store, which can also load keys
/// in bulk.
pub async fn open_bulk(url: &DatabaseUrl, options: &PoolOptions) -> anyhow::Result<Arc<dyn BulkLoad>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path, options)?),
        DatabaseUrl::Postgres(_) => Arc::new(postgres::PostgresStore::open(url, options).await?),
    })
}

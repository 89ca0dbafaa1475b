//! Picking the backend's [`Dump`] or [`Restore`] by URL, and the rule for
//! an empty database both backends apply.

use super::ports::{Dump, Restore};
use crate::store::DatabaseUrl;
use crate::store::postgres::{PostgresDump, PostgresRestore};
use crate::store::sqlite::{SqliteDump, SqliteRestore};

/// Opens the database to export. Nothing is written to it (not even a
/// migration), so a read-only file or a standby serves; its schema must be
/// this build's.
pub async fn open_dump(url: &DatabaseUrl) -> anyhow::Result<Box<dyn Dump>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Box::new(SqliteDump::open(path)?),
        DatabaseUrl::Postgres(raw) => Box::new(PostgresDump::open(raw).await?),
    })
}

/// Opens (for SQLite, creating) the database to import into, migrated to
/// this build's schema.
pub async fn open_restore(url: &DatabaseUrl) -> anyhow::Result<Box<dyn Restore>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Box::new(SqliteRestore::open(path)?),
        DatabaseUrl::Postgres(raw) => Box::new(PostgresRestore::open(raw).await?),
    })
}

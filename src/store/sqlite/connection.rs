//! Opening SQLite connections with the settings durability depends on.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

/// How long a connection waits on another process's lock (e.g. `sshkeyd
/// token create` while the server runs) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Embedded migrations, applied in order at startup. Never edit one that has
/// shipped; add a new file instead.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(include_str!("../../../migrations/sqlite/0001_init.sql"))])
}

/// Opens (creating if needed) the database for writing, switches it to WAL
/// and brings the schema up to date.
///
/// `synchronous=FULL` makes every commit fsync the WAL, so an acknowledged
/// write survives a crash or power loss; group commit pays for it.
pub fn open_writer(path: &Path) -> anyhow::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrations().to_latest(&mut conn)?;
    Ok(conn)
}

/// Opens a read-only connection. In WAL mode readers see the last commit and
/// never wait for the writer.
pub fn open_reader(path: &Path) -> anyhow::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}

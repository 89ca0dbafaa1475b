//! Opening SQLite connections with the settings durability depends on.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

/// How long a connection waits on another process's lock (e.g. `sshkeyd
/// token create` while the server runs) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The writer's page cache (KiB). Its pages stay valid across its own
/// commits, so the indexes a create touches (random UUIDs included) are
/// read from disk once, not per batch.
const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// Frames in the WAL after which the writer itself checkpoints, so the WAL
/// can restart from its beginning. The checkpointer thread has usually
/// copied them already, which leaves the writer only the final fsync.
pub const WAL_AUTOCHECKPOINT_PAGES: i64 = 4000;
/// Size the WAL file is truncated back to after it restarts.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// Embedded migrations, applied in order at startup. Never edit one that has
/// shipped; add a new file instead.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("../../../migrations/sqlite/0001_init.sql")),
        M::up_with_hook(
            include_str!("../../../migrations/sqlite/0002_fingerprint_sha256_read_only_tokens.sql"),
            super::backfill::fingerprint_sha256,
        ),
    ])
}

/// Opens (creating if needed) the database for writing, switches it to WAL
/// and brings the schema up to date.
///
/// `synchronous=FULL` makes every commit fsync the WAL, so an acknowledged
/// write survives a crash or power loss; group commit pays for it.
pub fn open_writer(path: &Path) -> anyhow::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    switch_to_wal(&conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
    stable_plans(&conn)?;
    // Two processes opening a database at once (say `serve` and `token
    // create`) may both see an old version and race to migrate it. The
    // migration takes the write lock when it begins (IMMEDIATE), so the
    // loser waits for the winner's commit (busy_timeout) instead of failing
    // at once on a stale read snapshot, which a long migration such as
    // 0002's backfill made likely; its attempt then fails on the tables
    // already made, and the second one sees the finished schema.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    if migrations().to_latest(&mut conn).is_err() {
        std::thread::sleep(Duration::from_millis(50));
        migrations().to_latest(&mut conn)?;
    }
    conn.set_transaction_behavior(TransactionBehavior::Deferred);
    Ok(conn)
}

/// Sets WAL mode. Another process opening the same database at that moment
/// (`serve` and `token create` at once, or one migrating it) holds a lock
/// that SQLite reports at once here, without waiting in the busy handler;
/// so the switch is retried until [`BUSY_TIMEOUT`], as any other statement
/// would wait.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e) if is_busy(&e) && Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            done => return done,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// The schema version this build expects (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// Whether a database opened read-only has this build's schema.
pub fn has_current_schema(conn: &Connection) -> rusqlite::Result<bool> {
    conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).map(|v| v == SCHEMA_VERSION)
}

/// Opens the connection that copies the WAL back into the database in the
/// background (see the writer). `synchronous=FULL` makes it fsync the
/// database file before the WAL may be reused.
pub fn open_checkpointer(path: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(conn)
}

/// Turns on the query planner stability guarantee. Without it SQLite plans
/// `LIMIT ?` with the bound value and so re-prepares the list query at every
/// execution (31% of a list request's CPU in the profile, bench/README.md).
fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map(|_| ())
}

/// Opens a read-only connection. In WAL mode readers see the last commit and
/// never wait for the writer.
///
/// `immutable` is for a database on read-only storage, where SQLite cannot
/// create the `-shm` file a WAL reader needs: it reads the file as it is,
/// which is complete only when no `-wal` file holds newer commits (the
/// caller checks).
pub fn open_reader(path: &Path, immutable: bool) -> anyhow::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = if immutable {
        Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(path)), flags)?
    } else {
        Connection::open_with_flags(path, flags)?
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(32);
    stable_plans(&conn)?;
    Ok(conn)
}

/// A path escaped for a `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}

//! Export: every record read in one read transaction on one connection, so
//! the file is one consistent snapshot while the service keeps writing (in
//! WAL mode a reader neither waits for the writer nor holds it up), and
//! streamed row by row.

use std::path::Path;

use anyhow::Context;
use async_trait::async_trait;
use rusqlite::{Connection, Row};
use uuid::Uuid;

use super::connection::{SCHEMA_VERSION, open_reader};
use super::rows::projects_from_csv;
use crate::store::archive::record::{AuditEvent, Key, PrivateKeyCount, Project, Token, User, to_hex};
use crate::store::archive::{Dump, Record, RecordSink, schema_is_current};

/// A read-only connection to the database to export.
pub struct SqliteDump {
    conn: Connection,
}

impl SqliteDump {
    /// Opens an existing database read-only and checks its schema is this
    /// build's: export never creates or migrates a database.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        anyhow::ensure!(path.is_file(), "no SQLite database at {}", path.display());
        let conn = open_reader(path, false)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .with_context(|| format!("reading {}", path.display()))?;
        schema_is_current(version, SCHEMA_VERSION, &path.display().to_string())?;
        Ok(Self { conn })
    }
}

#[async_trait]
impl Dump for SqliteDump {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn dump(&mut self, out: &mut (dyn RecordSink + Send)) -> anyhow::Result<()> {
        // A deferred transaction takes its snapshot at the first read and
        // keeps it until it ends: every query below sees the same commit.
        let tx = self.conn.unchecked_transaction()?;
        each(&tx, "SELECT id, name, created_at FROM users ORDER BY id", user, out)?;
        each(&tx, "SELECT id, key_count, shared_count FROM projects ORDER BY id", project, out)?;
        let tokens = "SELECT id, user_id, secret_hash, created_at, expires_at, last_used_at, revoked_at, read_only, \
                      (SELECT group_concat(project_id) FROM token_projects WHERE token_id = t.id) \
                      FROM tokens t ORDER BY id";
        each(&tx, tokens, token, out)?;
        let keys = "SELECT id, project_id, owner_id, name, public_key, fingerprint, fingerprint_sha256, shared, \
                    created_at FROM ssh_keys ORDER BY id";
        each(&tx, keys, key, out)?;
        let counts = "SELECT project_id, owner_id, n FROM private_key_counts WHERE n > 0 ORDER BY project_id, owner_id";
        each(&tx, counts, private_count, out)?;
        let audit = "SELECT id, at, action, user_id, project_id, key_id, fingerprint, request_id \
                     FROM audit_events ORDER BY id";
        each(&tx, audit, audit_event, out)?;
        tx.rollback()?;
        Ok(())
    }
}

/// Runs `sql` and hands each row, as a record, to `out` as it comes.
fn each(
    conn: &Connection,
    sql: &str,
    record: fn(&Row<'_>) -> rusqlite::Result<Record>,
    out: &mut (dyn RecordSink + Send),
) -> anyhow::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        out.put(&record(row)?)?;
    }
    Ok(())
}

fn uuid(row: &Row<'_>, idx: usize) -> rusqlite::Result<String> {
    Ok(Uuid::from_bytes(row.get(idx)?).to_string())
}

fn user(r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record::User(User { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)? }))
}

fn project(r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record::Project(Project { id: r.get(0)?, key_count: r.get(1)?, shared_count: r.get(2)? }))
}

fn token(r: &Row<'_>) -> rusqlite::Result<Record> {
    let hash: Vec<u8> = r.get(2)?;
    // group_concat promises no order; the file lists grants ascending.
    let mut projects: Vec<i64> = projects_from_csv(r.get(8)?).into_iter().map(|p| p.0).collect();
    projects.sort_unstable();
    Ok(Record::Token(Token {
        id: r.get(0)?,
        user: r.get(1)?,
        secret_hash: to_hex(&hash),
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        last_used_at: r.get(5)?,
        revoked_at: r.get(6)?,
        read_only: r.get(7)?,
        projects,
    }))
}

fn key(r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record::Key(Key {
        id: uuid(r, 0)?,
        project: r.get(1)?,
        owner: r.get(2)?,
        name: r.get(3)?,
        public_key: r.get(4)?,
        fingerprint: r.get(5)?,
        fingerprint_sha256: r.get(6)?,
        shared: r.get(7)?,
        created_at: r.get(8)?,
    }))
}

fn private_count(r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record::PrivateKeyCount(PrivateKeyCount { project: r.get(0)?, owner: r.get(1)?, count: r.get(2)? }))
}

fn audit_event(r: &Row<'_>) -> rusqlite::Result<Record> {
    Ok(Record::AuditEvent(AuditEvent {
        id: r.get(0)?,
        at: r.get(1)?,
        action: r.get(2)?,
        user: r.get(3)?,
        project: r.get(4)?,
        key_id: uuid(r, 5)?,
        fingerprint: r.get(6)?,
        request_id: r.get(7)?,
    }))
}

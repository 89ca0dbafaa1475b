//! Import: every record inserted in one `IMMEDIATE` transaction (it holds
//! the write lock from the start, so nothing else writes between the
//! emptiness check and the commit), committed only after the last line
//! passed every check. Ids are kept as they are; SQLite continues rowid
//! ids after the largest one by itself.

use std::path::Path;

use anyhow::Context;
use async_trait::async_trait;
use rusqlite::{Connection, TransactionBehavior, params};
use uuid::Uuid;

use super::connection::{SCHEMA_VERSION, has_current_schema, open_writer};
use crate::store::archive::record::{AuditEvent, Key, Token, secret_hash_bytes};
use crate::store::archive::{DATA_TABLES, Record, RecordSource, Restore, Summary, require_empty};

/// The write connection to the database to import into.
pub struct SqliteRestore {
    conn: Connection,
}

impl SqliteRestore {
    /// Opens the database, creating it if new, and migrates it.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
            anyhow::bail!("the database directory {} does not exist; create it first", dir.display());
        }
        let conn = open_writer(path).with_context(|| format!("opening {}", path.display()))?;
        anyhow::ensure!(
            has_current_schema(&conn)?,
            "{} has a schema newer than this sshkeyd's (version {SCHEMA_VERSION}): use a newer sshkeyd",
            path.display()
        );
        Ok(Self { conn })
    }
}

#[async_trait]
impl Restore for SqliteRestore {
    async fn restore(&mut self, records: &mut (dyn RecordSource + Send)) -> anyhow::Result<Summary> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut counts = Vec::new();
        for table in DATA_TABLES {
            counts.push((table, tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?));
        }
        require_empty(&counts)?;
        while let Some(record) = records.next_record()? {
            insert(&tx, &record)?;
        }
        let summary = records.finish()?;
        tx.commit()?;
        Ok(summary)
    }
}

/// Inserts one checked record.
fn insert(c: &Connection, record: &Record) -> anyhow::Result<()> {
    let run = |sql: &str, p: &[&dyn rusqlite::ToSql]| c.prepare_cached(sql).and_then(|mut s| s.execute(p));
    match record {
        Record::Header(_) => {}
        Record::User(u) => {
            run("INSERT INTO users (id, name, created_at) VALUES (?1, ?2, ?3)", params![u.id, u.name, u.created_at])?;
        }
        Record::Project(p) => {
            let sql = "INSERT INTO projects (id, key_count, shared_count) VALUES (?1, ?2, ?3)";
            run(sql, params![p.id, p.key_count, p.shared_count])?;
        }
        Record::Token(t) => token(c, t)?,
        Record::Key(k) => key(c, k)?,
        Record::PrivateKeyCount(n) => {
            let sql = "INSERT INTO private_key_counts (project_id, owner_id, n) VALUES (?1, ?2, ?3)";
            run(sql, params![n.project, n.owner, n.count])?;
        }
        Record::AuditEvent(e) => audit_event(c, e)?,
    }
    Ok(())
}

fn token(c: &Connection, t: &Token) -> anyhow::Result<()> {
    let hash = secret_hash_bytes(&t.secret_hash).context("an unchecked secret_hash")?;
    c.prepare_cached(
        "INSERT INTO tokens (id, user_id, secret_hash, created_at, expires_at, last_used_at, revoked_at, read_only) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        t.id,
        t.user,
        hash,
        t.created_at,
        t.expires_at,
        t.last_used_at,
        t.revoked_at,
        t.read_only
    ])?;
    let mut grant = c.prepare_cached("INSERT INTO token_projects (token_id, project_id) VALUES (?1, ?2)")?;
    for project in &t.projects {
        grant.execute(params![t.id, project])?;
    }
    Ok(())
}

fn key(c: &Connection, k: &Key) -> anyhow::Result<()> {
    let id = Uuid::parse_str(&k.id)?;
    c.prepare_cached(
        "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, fingerprint_sha256, shared, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id.as_bytes(),
        k.project,
        k.owner,
        k.name,
        k.public_key,
        k.fingerprint,
        k.fingerprint_sha256,
        k.shared,
        k.created_at
    ])?;
    Ok(())
}

fn audit_event(c: &Connection, e: &AuditEvent) -> anyhow::Result<()> {
    let key_id = Uuid::parse_str(&e.key_id)?;
    c.prepare_cached(
        "INSERT INTO audit_events (id, at, action, user_id, project_id, key_id, fingerprint, request_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![e.id, e.at, e.action, e.user, e.project, key_id.as_bytes(), e.fingerprint, e.request_id])?;
    Ok(())
}

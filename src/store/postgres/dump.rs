//! Export: every record read in one `REPEATABLE READ READ ONLY` transaction,
//! so the file is one snapshot of committed transactions (each write of the
//! service changes keys, counters and the audit trail in one transaction),
//! while the nodes keep writing; read through a portal a chunk of rows at a
//! time, so memory stays bounded.

use async_trait::async_trait;
use tokio_postgres::{Client, IsolationLevel, Row, Transaction};
use uuid::Uuid;

use super::session::{connect, pg};
use crate::store::archive::record::{AuditEvent, Key, PrivateKeyCount, Project, Token, User, to_hex};
use crate::store::archive::{Dump, Record, RecordSink};

/// Rows fetched per round trip.
const CHUNK: i32 = 1000;

/// A connection of its own to the database to export.
pub struct PostgresDump {
    client: Client,
}

impl PostgresDump {
    /// Connects; the database must have this build's schema (export never
    /// migrates, so it may read from a standby).
    pub async fn open(raw_url: &str) -> anyhow::Result<Self> {
        Ok(Self { client: connect(raw_url).await? })
    }
}

#[async_trait]
impl Dump for PostgresDump {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn dump(&mut self, out: &mut (dyn RecordSink + Send)) -> anyhow::Result<()> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg)?;
        each(&tx, "SELECT id, name, created_at FROM users ORDER BY id", user, out).await?;
        each(&tx, "SELECT id, key_count, shared_count FROM projects ORDER BY id", project, out).await?;
        let tokens = "SELECT id, user_id, secret_hash, created_at, expires_at, last_used_at, revoked_at, read_only, \
                      ARRAY(SELECT project_id FROM token_projects WHERE token_id = t.id ORDER BY project_id) \
                      FROM tokens t ORDER BY id";
        each(&tx, tokens, token, out).await?;
        let keys = "SELECT id, project_id, owner_id, name, public_key, fingerprint, fingerprint_sha256, shared, \
                    created_at FROM ssh_keys ORDER BY id";
        each(&tx, keys, key, out).await?;
        let counts = "SELECT project_id, owner_id, n FROM private_key_counts WHERE n > 0 ORDER BY project_id, owner_id";
        each(&tx, counts, private_count, out).await?;
        let audit = "SELECT id, at, action, user_id, project_id, key_id, fingerprint, request_id \
                     FROM audit_events ORDER BY id";
        each(&tx, audit, audit_event, out).await?;
        tx.commit().await.map_err(pg)
    }
}

/// Runs `sql` through a portal and hands each row, as a record, to `out`,
/// [`CHUNK`] rows at a time.
async fn each(
    tx: &Transaction<'_>,
    sql: &str,
    record: fn(&Row) -> Result<Record, tokio_postgres::Error>,
    out: &mut (dyn RecordSink + Send),
) -> anyhow::Result<()> {
    let portal = tx.bind(sql, &[]).await.map_err(pg)?;
    loop {
        let rows = tx.query_portal(&portal, CHUNK).await.map_err(pg)?;
        for row in &rows {
            out.put(&record(row).map_err(pg)?)?;
        }
        if rows.len() < CHUNK as usize {
            return Ok(());
        }
    }
}

type Read = Result<Record, tokio_postgres::Error>;

fn user(r: &Row) -> Read {
    Ok(Record::User(User { id: r.try_get(0)?, name: r.try_get(1)?, created_at: r.try_get(2)? }))
}

fn project(r: &Row) -> Read {
    Ok(Record::Project(Project { id: r.try_get(0)?, key_count: r.try_get(1)?, shared_count: r.try_get(2)? }))
}

fn token(r: &Row) -> Read {
    let hash: Vec<u8> = r.try_get(2)?;
    Ok(Record::Token(Token {
        id: r.try_get(0)?,
        user: r.try_get(1)?,
        secret_hash: to_hex(&hash),
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
        last_used_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
        read_only: r.try_get(7)?,
        projects: r.try_get(8)?,
    }))
}

fn key(r: &Row) -> Read {
    Ok(Record::Key(Key {
        id: r.try_get::<_, Uuid>(0)?.to_string(),
        project: r.try_get(1)?,
        owner: r.try_get(2)?,
        name: r.try_get(3)?,
        public_key: r.try_get(4)?,
        fingerprint: r.try_get(5)?,
        fingerprint_sha256: r.try_get(6)?,
        shared: r.try_get(7)?,
        created_at: r.try_get(8)?,
    }))
}

fn private_count(r: &Row) -> Read {
    Ok(Record::PrivateKeyCount(PrivateKeyCount { project: r.try_get(0)?, owner: r.try_get(1)?, count: r.try_get(2)? }))
}

fn audit_event(r: &Row) -> Read {
    Ok(Record::AuditEvent(AuditEvent {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        action: r.try_get(2)?,
        user: r.try_get(3)?,
        project: r.try_get(4)?,
        key_id: r.try_get::<_, Uuid>(5)?.to_string(),
        fingerprint: r.try_get(6)?,
        request_id: r.try_get(7)?,
    }))
}

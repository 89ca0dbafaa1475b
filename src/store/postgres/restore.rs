//! Import: one transaction that first locks every data table against
//! writers (so nothing is written between the emptiness check and the
//! commit), inserts each record as it is checked (keys and audit events in
//! array statements, `restore_rows.rs`), moves the identity sequences past
//! the imported ids, and commits only after the last line passed every
//! check. An error anywhere drops the transaction, which rolls it back.

use async_trait::async_trait;
use tokio_postgres::{Client, Transaction};

use super::migrate;
use super::restore_rows::Pending;
use super::session::{connect, pg};
use crate::store::archive::record::{Token, secret_hash_bytes};
use crate::store::archive::{DATA_TABLES, Record, RecordSource, Restore, Summary, require_empty};

/// A connection of its own to the database to import into.
pub struct PostgresRestore {
    client: Client,
}

impl PostgresRestore {
    /// Migrates the database to this build's schema, then connects.
    pub async fn open(raw_url: &str) -> anyhow::Result<Self> {
        let config = super::connect::pg_config(raw_url, &crate::store::PoolOptions::default())?;
        migrate::run(&config).await?;
        Ok(Self { client: connect(raw_url).await? })
    }
}

#[async_trait]
impl Restore for PostgresRestore {
    async fn restore(&mut self, records: &mut (dyn RecordSource + Send)) -> anyhow::Result<Summary> {
        let tx = self.client.transaction().await.map_err(pg)?;
        let lock = format!("SET LOCAL lock_timeout = '10s'; LOCK TABLE {} IN EXCLUSIVE MODE", DATA_TABLES.join(", "));
        tx.batch_execute(&lock).await.map_err(pg)?;
        let mut counts = Vec::new();
        for table in DATA_TABLES {
            let row = tx.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.map_err(pg)?;
            counts.push((table, row.get::<_, i64>(0)));
        }
        require_empty(&counts)?;
        let mut pending = Pending::default();
        while let Some(record) = records.next_record()? {
            insert(&tx, record, &mut pending).await?;
        }
        pending.flush(&tx).await?;
        let summary = records.finish()?;
        for table in ["users", "audit_events"] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} HAVING count(*) > 0"
            );
            tx.execute(&sql, &[]).await.map_err(pg)?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(summary)
    }
}

/// Inserts one checked record, or queues it for an array insert.
async fn insert(tx: &Transaction<'_>, record: Record, pending: &mut Pending) -> anyhow::Result<()> {
    match record {
        Record::Header(_) => {}
        Record::User(u) => {
            let sql = "INSERT INTO users (id, name, created_at) VALUES ($1, $2, $3)";
            tx.execute(sql, &[&u.id, &u.name, &u.created_at]).await.map_err(pg)?;
        }
        Record::Project(p) => {
            let sql = "INSERT INTO projects (id, key_count, shared_count) VALUES ($1, $2, $3)";
            tx.execute(sql, &[&p.id, &p.key_count, &p.shared_count]).await.map_err(pg)?;
        }
        Record::Token(t) => token(tx, &t).await?,
        Record::Key(k) => pending.key(tx, k).await?,
        Record::PrivateKeyCount(n) => {
            let sql = "INSERT INTO private_key_counts (project_id, owner_id, n) VALUES ($1, $2, $3)";
            tx.execute(sql, &[&n.project, &n.owner, &n.count]).await.map_err(pg)?;
        }
        Record::AuditEvent(e) => pending.audit_event(tx, e).await?,
    }
    Ok(())
}

async fn token(tx: &Transaction<'_>, t: &Token) -> anyhow::Result<()> {
    let hash = secret_hash_bytes(&t.secret_hash).ok_or_else(|| anyhow::anyhow!("an unchecked secret_hash"))?;
    tx.execute(
        "INSERT INTO tokens (id, user_id, secret_hash, created_at, expires_at, last_used_at, revoked_at, read_only) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&t.id, &t.user, &hash.as_slice(), &t.created_at, &t.expires_at, &t.last_used_at, &t.revoked_at, &t.read_only],
    )
    .await
    .map_err(pg)?;
    let grants = "INSERT INTO token_projects (token_id, project_id) SELECT $1, unnest($2::BIGINT[])";
    tx.execute(grants, &[&t.id, &t.projects]).await.map_err(pg)?;
    Ok(())
}

//! Embedded schema migrations, safe when several nodes start at once.
//!
//! Each node runs them at startup on a dedicated connection: it takes a
//! session-level advisory lock (other nodes wait for it), applies the
//! versions `schema_migrations` does not list, each in its own transaction,
//! and releases the lock. Each applied version's SHA-256 is recorded, so an
//! edited migration is refused instead of silently diverging.

use std::collections::HashMap;

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio_postgres::{Client, NoTls};

use super::errors::describe;
use crate::domain::Timestamp;

/// A migration: its version, its name, its SQL.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Never edit one that has shipped; add a file.
/// (A future migration that cannot run in a transaction, such as
/// `CREATE INDEX CONCURRENTLY`, needs its own path here.)
const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../../../migrations/postgres/0001_init.sql") },
    Migration {
        version: 2,
        name: "fingerprint_sha256_read_only_tokens",
        sql: include_str!("../../../migrations/postgres/0002_fingerprint_sha256_read_only_tokens.sql"),
    },
    Migration {
        version: 3,
        name: "create_keys_function",
        sql: include_str!("../../../migrations/postgres/0003_create_keys_function.sql"),
    },
];

/// The schema version this build migrates to.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Advisory lock key shared by every sshkeyd node: "sshkeyd" in ASCII.
const LOCK_KEY: i64 = 0x0073_7368_6b65_7964;

/// Connects, migrates to the latest version and disconnects.
pub async fn run(config: &tokio_postgres::Config) -> anyhow::Result<()> {
    let (mut client, connection) =
        config.connect(NoTls).await.map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {}", describe(&e)))?;
    let driver = tokio::spawn(connection);
    let result = migrate_locked(&mut client).await;
    drop(client);
    let _ = driver.await;
    result
}

async fn migrate_locked(client: &mut Client) -> anyhow::Result<()> {
    // A long migration must not hit the pool's statement timeout, but waiting
    // for another node's lock stays bounded.
    client
        .batch_execute("SET statement_timeout = 0; SET lock_timeout = '120s'")
        .await
        .map_err(|e| anyhow::anyhow!("preparing to migrate: {}", describe(&e)))?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(|e| anyhow::anyhow!("waiting for the migration lock: {}", describe(&e)))?;
    let result = apply_pending(client).await;
    // Closing the session would release the lock too; this is for clarity.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]).await;
    result
}

async fn apply_pending(client: &mut Client) -> anyhow::Result<()> {
    let applied = applied_versions(client).await?;
    for m in MIGRATIONS {
        match applied.get(&m.version) {
            Some(sum) if *sum == checksum(m.sql) => {}
            Some(_) => anyhow::bail!(
                "migration {:04}_{} differs from the one applied to this database; \
                 applied migrations must never be edited",
                m.version,
                m.name
            ),
            None => apply(client, m).await?,
        }
    }
    let latest = MIGRATIONS.last().map_or(0, |m| m.version);
    if let Some(newer) = applied.keys().copied().filter(|v| *v > latest).max() {
        // Rolling upgrades run old and new nodes side by side; migrations
        // stay backwards compatible, so an old node may keep serving.
        tracing::warn!(database = newer, binary = latest, "the database schema is newer than this sshkeyd");
    }
    Ok(())
}

async fn applied_versions(client: &Client) -> anyhow::Result<HashMap<i64, String>> {
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (\
                  version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
                  checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    client.batch_execute(create).await.map_err(|e| anyhow::anyhow!("creating schema_migrations: {}", describe(&e)))?;
    let rows = client
        .query("SELECT version, checksum FROM schema_migrations", &[])
        .await
        .map_err(|e| anyhow::anyhow!("reading schema_migrations: {}", describe(&e)))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

async fn apply(client: &mut Client, m: &Migration) -> anyhow::Result<()> {
    let fail = |e: tokio_postgres::Error| anyhow::anyhow!("{}", describe(&e));
    let what = || format!("applying migration {:04}_{}", m.version, m.name);
    let tx = client.transaction().await.map_err(fail).with_context(what)?;
    tx.batch_execute(m.sql).await.map_err(fail).with_context(what)?;
    tx.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
        &[&m.version, &m.name, &checksum(m.sql), &Timestamp::now().0],
    )
    .await
    .map_err(fail)
    .with_context(what)?;
    tx.commit().await.map_err(fail).with_context(what)?;
    tracing::info!(version = m.version, name = m.name, "applied PostgreSQL migration");
    Ok(())
}

fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_count_up_from_one_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "migration {} is out of sequence", m.name);
            assert!(!m.sql.trim().is_empty(), "migration {} is empty", m.name);
        }
    }
}

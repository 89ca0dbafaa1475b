//! The array inserts of an import: keys and audit events, the records a
//! large store has most of, go in [`CHUNK`] at a time instead of a round
//! trip each. Both reference only users and projects, which are inserted
//! as they come, so a queued row never waits for a row behind it.

use tokio_postgres::Transaction;
use uuid::Uuid;

use super::session::pg;
use crate::store::archive::record::{AuditEvent, Key};

/// Keys or audit events per insert statement.
const CHUNK: usize = 1000;

/// Rows waiting for their array insert.
#[derive(Default)]
pub struct Pending {
    keys: Vec<Key>,
    audit_events: Vec<AuditEvent>,
}

impl Pending {
    pub async fn key(&mut self, tx: &Transaction<'_>, key: Key) -> anyhow::Result<()> {
        self.keys.push(key);
        if self.keys.len() >= CHUNK { self.flush_keys(tx).await } else { Ok(()) }
    }

    pub async fn audit_event(&mut self, tx: &Transaction<'_>, event: AuditEvent) -> anyhow::Result<()> {
        self.audit_events.push(event);
        if self.audit_events.len() >= CHUNK { self.flush_audit_events(tx).await } else { Ok(()) }
    }

    /// Inserts whatever is still queued.
    pub async fn flush(&mut self, tx: &Transaction<'_>) -> anyhow::Result<()> {
        self.flush_keys(tx).await?;
        self.flush_audit_events(tx).await
    }

    async fn flush_keys(&mut self, tx: &Transaction<'_>) -> anyhow::Result<()> {
        if self.keys.is_empty() {
            return Ok(());
        }
        let keys = std::mem::take(&mut self.keys);
        let ids = keys.iter().map(|k| Uuid::parse_str(&k.id)).collect::<Result<Vec<_>, _>>()?;
        let column = |f: fn(&Key) -> &str| keys.iter().map(f).collect::<Vec<&str>>();
        let projects: Vec<i64> = keys.iter().map(|k| k.project).collect();
        let owners: Vec<i64> = keys.iter().map(|k| k.owner).collect();
        let shared: Vec<bool> = keys.iter().map(|k| k.shared).collect();
        let created: Vec<i64> = keys.iter().map(|k| k.created_at).collect();
        tx.execute(
            "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, fingerprint_sha256, \
                                  shared, created_at) \
             SELECT * FROM unnest($1::UUID[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], \
                                  $7::TEXT[], $8::BOOLEAN[], $9::BIGINT[])",
            &[
                &ids,
                &projects,
                &owners,
                &column(|k| &k.name),
                &column(|k| &k.public_key),
                &column(|k| &k.fingerprint),
                &column(|k| &k.fingerprint_sha256),
                &shared,
                &created,
            ],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }

    async fn flush_audit_events(&mut self, tx: &Transaction<'_>) -> anyhow::Result<()> {
        if self.audit_events.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.audit_events);
        let key_ids = events.iter().map(|e| Uuid::parse_str(&e.key_id)).collect::<Result<Vec<_>, _>>()?;
        let int = |f: fn(&AuditEvent) -> i64| events.iter().map(f).collect::<Vec<i64>>();
        let text = |f: fn(&AuditEvent) -> &str| events.iter().map(f).collect::<Vec<&str>>();
        tx.execute(
            "INSERT INTO audit_events (id, at, action, user_id, project_id, key_id, fingerprint, request_id) \
             OVERRIDING SYSTEM VALUE \
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[], $6::UUID[], \
                                  $7::TEXT[], $8::TEXT[])",
            &[
                &int(|e| e.id),
                &int(|e| e.at),
                &text(|e| &e.action),
                &int(|e| e.user),
                &int(|e| e.project),
                &key_ids,
                &text(|e| &e.fingerprint),
                &text(|e| &e.request_id),
            ],
        )
        .await
        .map_err(pg)?;
        Ok(())
    }
}

//! Bulk inserts for seeding and imports: a few array statements instead of
//! a round trip per key.

use deadpool_postgres::Transaction;
use uuid::Uuid;

use super::sql::execute;
use super::writes::{adjust_private_count, adjust_project_counts};
use crate::domain::{NewKey, UserId};
use crate::store::StoreError;
use crate::store::bulk_load::BulkCounts;

/// Keys per `INSERT ... SELECT FROM unnest(...)`: large enough to amortise
/// the round trip, small enough to keep each message a few megabytes.
const CHUNK: usize = 10_000;

/// Seeds many keys at once, creating their projects and keeping the
/// counters right, without audit events or quota (an operator action).
/// Counters are updated per project and per owner in sorted order, the same
/// lock order any concurrent bulk insert uses.
pub async fn bulk_insert(tx: &Transaction<'_>, keys: &[NewKey]) -> Result<(), StoreError> {
    let counts = BulkCounts::of(keys);
    let ids: Vec<i64> = counts.projects.keys().map(|p| p.0).collect();
    execute(tx, "INSERT INTO projects (id) SELECT unnest($1::BIGINT[]) ON CONFLICT DO NOTHING", &[&ids]).await?;
    // The counter rows first, in id order, as every writer of keys takes
    // them (see migration 0003).
    execute(tx, "SELECT id FROM projects WHERE id = ANY($1) ORDER BY id FOR UPDATE", &[&ids]).await?;
    for chunk in keys.chunks(CHUNK) {
        insert_chunk(tx, chunk).await?;
    }
    for (project, (shared, total)) in counts.projects {
        adjust_project_counts(tx, project, shared, total).await?;
    }
    for ((project, owner), n) in counts.private {
        adjust_private_count(tx, project, UserId(owner), n).await?;
    }
    Ok(())
}

async fn insert_chunk(tx: &Transaction<'_>, keys: &[NewKey]) -> Result<(), StoreError> {
    let ids: Vec<Uuid> = keys.iter().map(|k| k.id.0).collect();
    let projects: Vec<i64> = keys.iter().map(|k| k.project.0).collect();
    let owners: Vec<i64> = keys.iter().map(|k| k.owner.0).collect();
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let public_keys: Vec<&str> = keys.iter().map(|k| k.public_key.text()).collect();
    let fingerprints: Vec<&str> = keys.iter().map(|k| k.public_key.fingerprint().as_str()).collect();
    let shared: Vec<bool> = keys.iter().map(|k| k.shared).collect();
    let created: Vec<i64> = keys.iter().map(|k| k.created_at.0).collect();
    let sha256: Vec<&str> = keys.iter().map(|k| k.public_key.fingerprint_sha256().as_str()).collect();
    execute(
        tx,
        "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, shared, created_at, \
                              fingerprint_sha256) \
         SELECT * FROM unnest($1::UUID[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], \
                              $7::BOOLEAN[], $8::BIGINT[], $9::TEXT[])",
        &[&ids, &projects, &owners, &names, &public_keys, &fingerprints, &shared, &created, &sha256],
    )
    .await
    .map(|_| ())
}

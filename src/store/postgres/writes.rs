//! Changes and deletes of keys, each inside one transaction together with
//! its audit event. (Creates go through `creates/`.)
//!
//! Locks are always taken in the same order (key row, then the project's
//! counter row, then the private counter), so concurrent writers, even on
//! different nodes, wait for each other but never deadlock. A write that
//! adds or removes a project's keys holds the counter row's lock before it
//! touches them, so a create batch, which checks names under that lock,
//! never waits on a half-done delete (see migration 0003).

use deadpool_postgres::Transaction;

use super::rows::key_from_row;
use super::sql::{execute, query_opt};
use crate::domain::{KeyId, ProjectId, SshKey, UserId};
use crate::store::queries::key_columns;
use crate::store::{AuditContext, StoreError};

/// Changes sharing and keeps the counters in step.
pub async fn set_shared(
    tx: &Transaction<'_>,
    project: ProjectId,
    id: KeyId,
    shared: bool,
    audit: &AuditContext,
) -> Result<SshKey, StoreError> {
    let mut key = owned_key(tx, project, id, audit.actor).await?;
    if key.shared == shared {
        return Ok(key);
    }
    execute(tx, "UPDATE ssh_keys SET shared = $2 WHERE id = $1", &[&id.0, &shared]).await?;
    let delta: i64 = if shared { 1 } else { -1 };
    adjust_project_counts(tx, project, delta, 0).await?;
    adjust_private_count(tx, project, key.owner, -delta).await?;
    key.shared = shared;
    record(tx, audit, if shared { "share" } else { "unshare" }, &key).await?;
    Ok(key)
}

/// Deletes the key and frees its quota slot and name.
pub async fn delete_key(
    tx: &Transaction<'_>,
    project: ProjectId,
    id: KeyId,
    audit: &AuditContext,
) -> Result<(), StoreError> {
    let key = owned_key(tx, project, id, audit.actor).await?;
    adjust_project_counts(tx, project, if key.shared { -1 } else { 0 }, -1).await?;
    execute(tx, "DELETE FROM ssh_keys WHERE id = $1", &[&id.0]).await?;
    if !key.shared {
        adjust_private_count(tx, project, key.owner, -1).await?;
    }
    record(tx, audit, "delete", &key).await
}

/// Loads and locks a key for a change by `actor`, who must be allowed to
/// make it (see [`SshKey::authorize_change`]). `FOR UPDATE` makes a
/// concurrent change of the same key wait and then see this one's result,
/// so two unshares cannot both adjust the counters.
async fn owned_key(tx: &Transaction<'_>, project: ProjectId, id: KeyId, actor: UserId) -> Result<SshKey, StoreError> {
    let sql = concat!("SELECT ", key_columns!(), " FROM ssh_keys WHERE id = $1 AND project_id = $2 FOR UPDATE");
    let found = query_opt(tx, sql, &[&id.0, &project.0]).await?.as_ref().map(key_from_row).transpose()?;
    Ok(SshKey::authorize_change(found, actor)?)
}

/// Adds to a project's shared and total counters.
pub async fn adjust_project_counts(
    tx: &Transaction<'_>,
    project: ProjectId,
    shared: i64,
    total: i64,
) -> Result<(), StoreError> {
    let sql = "UPDATE projects SET shared_count = shared_count + $2, key_count = key_count + $3 WHERE id = $1";
    execute(tx, sql, &[&project.0, &shared, &total]).await.map(|_| ())
}

/// Moves an owner's unshared-key count. Increments upsert; decrements are
/// plain updates, because PostgreSQL checks `CHECK (n >= 0)` on the
/// proposed row of an upsert before it looks for the conflict.
pub async fn adjust_private_count(
    tx: &Transaction<'_>,
    project: ProjectId,
    owner: UserId,
    delta: i64,
) -> Result<(), StoreError> {
    let sql = if delta > 0 {
        "INSERT INTO private_key_counts (project_id, owner_id, n) VALUES ($1, $2, $3) \
         ON CONFLICT (project_id, owner_id) DO UPDATE SET n = private_key_counts.n + excluded.n"
    } else {
        "UPDATE private_key_counts SET n = n + $3 WHERE project_id = $1 AND owner_id = $2"
    };
    execute(tx, sql, &[&project.0, &owner.0, &delta]).await.map(|_| ())
}

async fn record(tx: &Transaction<'_>, audit: &AuditContext, action: &str, key: &SshKey) -> Result<(), StoreError> {
    execute(
        tx,
        "INSERT INTO audit_events (at, action, user_id, project_id, key_id, fingerprint, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&audit.at.0, &action, &audit.actor.0, &key.project.0, &key.id.0, &key.fingerprint, &audit.request_id],
    )
    .await
    .map(|_| ())
}

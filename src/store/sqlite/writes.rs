//! Key writes. Each runs inside the writer's batch transaction, in its own
//! savepoint, so an error here undoes exactly this write.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::classify;
use super::rows::key_from_row;
use crate::domain::{KeyId, NewKey, ProjectId, SshKey, UserId};
use crate::store::bulk_load::BulkCounts;
use crate::store::queries::key_columns;
use crate::store::{AuditContext, StoreError};

/// Inserts the key, then takes a quota slot. The insert goes first so that a
/// duplicate name reports 409 even when the project is full.
pub fn create_key(c: &Connection, key: &NewKey, max_keys: u32, audit: &AuditContext) -> Result<SshKey, StoreError> {
    insert_key(c, key)?;
    let taken = c
        .prepare_cached(
            "UPDATE projects SET key_count = key_count + 1, shared_count = shared_count + ?2 \
             WHERE id = ?1 AND key_count < ?3",
        )
        .and_then(|mut s| s.execute(params![key.project.0, key.shared, max_keys]))
        .map_err(classify)?;
    if taken == 0 {
        return Err(StoreError::QuotaExceeded(max_keys));
    }
    if !key.shared {
        adjust_private_count(c, key.project, key.owner, 1)?;
    }
    let stored = key.stored();
    record(c, audit, "create", &stored)?;
    Ok(stored)
}

fn insert_key(c: &Connection, key: &NewKey) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, shared, created_at, \
         fingerprint_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut s| {
        s.execute(params![
            key.id.0.as_bytes(),
            key.project.0,
            key.owner.0,
            key.name.as_str(),
            key.public_key.text(),
            key.public_key.fingerprint().as_str(),
            key.shared,
            key.created_at.0,
            key.public_key.fingerprint_sha256().as_str(),
        ])
    })
    .map(|_| ())
    .map_err(classify)
}

/// Changes sharing and keeps the counters in step.
pub fn set_shared(
    c: &Connection,
    project: ProjectId,
    id: KeyId,
    shared: bool,
    audit: &AuditContext,
) -> Result<SshKey, StoreError> {
    let mut key = owned_key(c, project, id, audit.actor)?;
    if key.shared == shared {
        return Ok(key);
    }
    c.prepare_cached("UPDATE ssh_keys SET shared = ?2 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id.0.as_bytes(), shared]))
        .map_err(classify)?;
    let delta: i64 = if shared { 1 } else { -1 };
    adjust_shared_count(c, project, delta, 0)?;
    adjust_private_count(c, project, key.owner, -delta)?;
    key.shared = shared;
    record(c, audit, if shared { "share" } else { "unshare" }, &key)?;
    Ok(key)
}

/// Deletes the key and frees its quota slot and name.
pub fn delete_key(c: &Connection, project: ProjectId, id: KeyId, audit: &AuditContext) -> Result<(), StoreError> {
    let key = owned_key(c, project, id, audit.actor)?;
    c.prepare_cached("DELETE FROM ssh_keys WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id.0.as_bytes()]))
        .map_err(classify)?;
    adjust_shared_count(c, project, if key.shared { -1 } else { 0 }, -1)?;
    if !key.shared {
        adjust_private_count(c, project, key.owner, -1)?;
    }
    record(c, audit, "delete", &key)
}

/// Loads a key for a change by `actor`, who must be allowed to make it
/// (see [`SshKey::authorize_change`]).
fn owned_key(c: &Connection, project: ProjectId, id: KeyId, actor: UserId) -> Result<SshKey, StoreError> {
    let sql = concat!("SELECT ", key_columns!(), " FROM ssh_keys WHERE id = ?1 AND project_id = ?2");
    let found = c
        .prepare_cached(sql)
        .and_then(|mut s| s.query_row(params![id.0.as_bytes(), project.0], key_from_row).optional())
        .map_err(classify)?;
    Ok(SshKey::authorize_change(found, actor)?)
}

fn adjust_shared_count(c: &Connection, project: ProjectId, shared: i64, total: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE projects SET shared_count = shared_count + ?2, key_count = key_count + ?3 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![project.0, shared, total]))
        .map(|_| ())
        .map_err(classify)
}

/// Moves an owner's unshared-key count. Increments upsert; decrements are
/// plain updates, because SQLite checks `CHECK (n >= 0)` on the candidate
/// row of an upsert before resolving the conflict.
fn adjust_private_count(c: &Connection, project: ProjectId, owner: UserId, delta: i64) -> Result<(), StoreError> {
    let sql = if delta > 0 {
        "INSERT INTO private_key_counts (project_id, owner_id, n) VALUES (?1, ?2, ?3) \
         ON CONFLICT (project_id, owner_id) DO UPDATE SET n = n + excluded.n"
    } else {
        "UPDATE private_key_counts SET n = n + ?3 WHERE project_id = ?1 AND owner_id = ?2"
    };
    c.prepare_cached(sql).and_then(|mut s| s.execute(params![project.0, owner.0, delta])).map(|_| ()).map_err(classify)
}

fn record(c: &Connection, audit: &AuditContext, action: &str, key: &SshKey) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO audit_events (at, action, user_id, project_id, key_id, fingerprint, request_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            audit.at.0,
            action,
            audit.actor.0,
            key.project.0,
            key.id.0.as_bytes(),
            key.fingerprint,
            audit.request_id,
        ])
    })
    .map(|_| ())
    .map_err(classify)
}

/// Seeds many keys at once, creating their projects and keeping the
/// counters right, without audit events or quota (an operator action). The
/// counters are updated once per project and owner, not per key.
pub fn bulk_insert(c: &Connection, keys: &[NewKey]) -> Result<(), StoreError> {
    let counts = BulkCounts::of(keys);
    for project in counts.projects.keys() {
        c.prepare_cached("INSERT INTO projects (id) VALUES (?1) ON CONFLICT DO NOTHING")
            .and_then(|mut s| s.execute(params![project.0]))
            .map_err(classify)?;
    }
    for key in keys {
        insert_key(c, key)?;
    }
    for (project, (shared, total)) in counts.projects {
        adjust_shared_count(c, project, shared, total)?;
    }
    for ((project, owner), n) in counts.private {
        adjust_private_count(c, project, UserId(owner), n)?;
    }
    Ok(())
}

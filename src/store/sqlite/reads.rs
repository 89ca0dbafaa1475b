//! Read-only connections and the queries that run on them.
//!
//! Queries run on the calling async worker thread rather than through
//! `spawn_blocking`: an indexed SQLite read takes microseconds, less than the
//! hand-off to a blocking thread would cost (see bench/README.md).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::errors::classify;
use super::lookup::filters;
use super::rows::key_from_row;
use crate::domain::{KeyId, KeyOrder, ProjectId, SshKey, Timestamp, UserId};
use crate::store::queries::{PageQueries, key_columns};
use crate::store::{AuditEvent, KeyPage, ListQuery, StoreError};

/// A fixed set of read-only connections. A caller takes the first free one
/// and only waits when all are busy. Locks are never held across an
/// `.await`, so at most one connection per runtime worker is in use at
/// once; always trying them in the same order keeps that many connections
/// hot (their page caches warm) instead of spreading reads, and cache
/// misses, over the whole pool.
pub struct ReadPool {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

impl ReadPool {
    /// Opens `size` (at least one) readers (see `open_reader` for `immutable`).
    pub fn open(path: &Path, size: usize, immutable: bool) -> anyhow::Result<Self> {
        let conns = (0..size.max(1))
            .map(|_| super::connection::open_reader(path, immutable).map(Mutex::new))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { conns, next: AtomicUsize::new(0) })
    }

    /// Runs `f` on a free connection.
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        for conn in &self.conns {
            if let Ok(conn) = conn.try_lock() {
                return f(&conn);
            }
        }
        // All busy: wait for one, taking turns. A poisoned lock only means a
        // previous query panicked; the connection itself is still usable.
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = self.conns[start % self.conns.len()].lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }
}

/// The key, if it is in `project` and visible to `viewer`.
pub fn get_key(conn: &Connection, project: ProjectId, viewer: UserId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
    let sql = concat!(
        "SELECT ",
        key_columns!(),
        " FROM ssh_keys WHERE id = ?1 AND project_id = ?2 AND (shared = 1 OR owner_id = ?3)"
    );
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    stmt.query_row(params![id.0.as_bytes(), project.0, viewer.0], key_from_row).optional().map_err(classify)
}

/// The key, if it is in one of `projects` and visible to `viewer`.
pub fn get_key_by_id(
    conn: &Connection,
    viewer: UserId,
    id: KeyId,
    projects: &[ProjectId],
) -> Result<Option<SshKey>, StoreError> {
    let sql = concat!("SELECT ", key_columns!(), " FROM ssh_keys WHERE id = ?1 AND (shared = 1 OR owner_id = ?2)");
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    let found = stmt.query_row(params![id.0.as_bytes(), viewer.0], key_from_row).optional().map_err(classify)?;
    Ok(found.filter(|key| projects.contains(&key.project)))
}

/// One page and the total visible to the viewer.
pub fn list_keys(conn: &Connection, q: &ListQuery) -> Result<KeyPage, StoreError> {
    if let Some(fingerprint) = &q.fingerprint {
        return super::lookup::list_by_fingerprint(conn, q, fingerprint);
    }
    let filtered = q.name_contains.is_some() || q.owner_name.is_some();
    let count = if filtered { filtered_count(conn, q)? } else { visible_count(conn, q.project, q.viewer)? };
    let sql = list_sql(q.order, filtered);
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![q.project.0, q.viewer.0, q.name_contains, q.limit, offset, q.owner_name], key_from_row)
        .map_err(classify)?;
    let keys = rows.collect::<Result<Vec<_>, _>>().map_err(classify)?;
    Ok(KeyPage { count, keys })
}

/// The page query for an order, with or without the filters. Built once
/// per order: `prepare_cached` then finds it without a `format!` per request.
fn list_sql(order: KeyOrder, filtered: bool) -> &'static str {
    static SQL: LazyLock<PageQueries> = LazyLock::new(|| {
        PageQueries::new(|order_by, filtered| {
            // `instr` matches the needle literally and case-sensitively, so
            // `%`, `_` and `\` need no escaping.
            let filter = if filtered { filters(3, 6) } else { "AND ?3 IS NULL AND ?6 IS NULL".into() };
            format!(
                "SELECT {} FROM ssh_keys \
                 WHERE project_id = ?1 AND (shared = 1 OR owner_id = ?2) {filter} \
                 ORDER BY {order_by} LIMIT ?4 OFFSET ?5",
                key_columns!()
            )
        })
    });
    SQL.get(order, filtered)
}

/// Without filters the total comes from the counter rows: O(1)
/// whatever the project's size.
fn visible_count(conn: &Connection, project: ProjectId, viewer: UserId) -> Result<u64, StoreError> {
    let sql = "SELECT COALESCE((SELECT shared_count FROM projects WHERE id = ?1), 0) \
               + COALESCE((SELECT n FROM private_key_counts WHERE project_id = ?1 AND owner_id = ?2), 0)";
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    let n: i64 = stmt.query_row(params![project.0, viewer.0], |r| r.get(0)).map_err(classify)?;
    Ok(n.max(0) as u64)
}

fn filtered_count(conn: &Connection, q: &ListQuery) -> Result<u64, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT count(*) FROM ssh_keys WHERE project_id = ?1 AND (shared = 1 OR owner_id = ?2) {}",
            filters(3, 4)
        )
    });
    let mut stmt = conn.prepare_cached(&SQL).map_err(classify)?;
    let params = params![q.project.0, q.viewer.0, q.name_contains, q.owner_name];
    let n: i64 = stmt.query_row(params, |r| r.get(0)).map_err(classify)?;
    Ok(n.max(0) as u64)
}

/// The audit trail, oldest first.
pub fn audit_events(conn: &Connection, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
    let sql = "SELECT a.at, a.action, u.name, a.project_id, a.key_id, a.fingerprint, a.request_id \
               FROM audit_events a JOIN users u ON u.id = a.user_id \
               WHERE ?1 IS NULL OR a.project_id = ?1 ORDER BY a.id";
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    let rows = stmt
        .query_map(params![project.map(|p| p.0)], |r| {
            let key: [u8; 16] = r.get(4)?;
            Ok(AuditEvent {
                at: Timestamp(r.get(0)?),
                action: r.get(1)?,
                user_name: r.get(2)?,
                project: ProjectId(r.get(3)?),
                key_id: KeyId(Uuid::from_bytes(key)),
                fingerprint: r.get(5)?,
                request_id: r.get(6)?,
            })
        })
        .map_err(classify)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(classify)
}

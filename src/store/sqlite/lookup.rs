//! Lookups by fingerprint and owner: the list operation's `fingerprint`
//! filter and the `authorized_keys` answer. Every fingerprint lookup is an
//! equality search of one of the `(project_id, fingerprint[_sha256])`
//! indexes (checked with `EXPLAIN QUERY PLAN` in the tests below).
//!
//! The queries name that index with `INDEXED BY`: without statistics
//! (`ANALYZE`) SQLite prefers the index that yields the `ORDER BY` order,
//! and would walk all of a project's keys to skip a sort of a few rows.
//! `INDEXED BY` also makes preparing the query fail if the index is ever
//! missing, instead of silently scanning.

use std::sync::LazyLock;

use rusqlite::{Connection, params};
use uuid::Uuid;

use super::errors::classify;
use super::rows::key_from_row;
use crate::domain::{AuthorizedKey, KeyFingerprint, KeyId};
use crate::store::queries::{FINGERPRINT_COLUMNS, PageQueries, fingerprint_column, key_columns};
use crate::store::{AuthorizedKeysQuery, KeyPage, ListQuery, StoreError};

/// One page of the keys with `fingerprint` that the viewer sees, and their
/// total (without the counters: a fingerprint matches a handful of rows).
pub fn list_by_fingerprint(
    conn: &Connection,
    q: &ListQuery,
    fingerprint: &KeyFingerprint,
) -> Result<KeyPage, StoreError> {
    static PAGES: LazyLock<[PageQueries; 2]> = LazyLock::new(|| FINGERPRINT_COLUMNS.map(page_queries));
    static COUNTS: LazyLock<[String; 2]> = LazyLock::new(|| {
        FINGERPRINT_COLUMNS.map(|column| {
            format!(
                "SELECT count(*) FROM ssh_keys INDEXED BY ssh_keys_project_{column} \
                 WHERE project_id = ?1 AND {column} = ?4 AND (shared = 1 OR owner_id = ?2) {}",
                filters(3, 5)
            )
        })
    });
    let column = fingerprint_column(fingerprint);
    let (project, viewer, needle, value) = (q.project.0, q.viewer.0, &q.name_contains, fingerprint.as_str());
    let owner = &q.owner_name;
    let mut count = conn.prepare_cached(&COUNTS[column]).map_err(classify)?;
    let count: i64 = count.query_row(params![project, viewer, needle, value, owner], |r| r.get(0)).map_err(classify)?;
    let sql = PAGES[column].get(q.order, needle.is_some() || owner.is_some());
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let params = params![project, viewer, needle, q.limit, offset, value, owner];
    let rows = stmt.query_map(params, key_from_row).map_err(classify)?;
    let keys = rows.collect::<Result<Vec<_>, _>>().map_err(classify)?;
    Ok(KeyPage { count: count.max(0) as u64, keys })
}

fn page_queries(column: &str) -> PageQueries {
    PageQueries::new(|order_by, filtered| {
        let filter = if filtered { filters(3, 7) } else { "AND ?3 IS NULL AND ?7 IS NULL".to_owned() };
        format!(
            "SELECT {} FROM ssh_keys INDEXED BY ssh_keys_project_{column} WHERE project_id = ?1 AND {column} = ?6 \
             AND (shared = 1 OR owner_id = ?2) {filter} ORDER BY {order_by} LIMIT ?4 OFFSET ?5",
            key_columns!()
        )
    })
}

/// The name filter on parameter `?name` and the owner filter on `?owner`,
/// each off when its parameter is NULL.
pub(super) fn filters(name: u8, owner: u8) -> String {
    format!(
        "AND (?{name} IS NULL OR instr(name, ?{name}) > 0) \
         AND (?{owner} IS NULL OR owner_id = (SELECT id FROM users WHERE name = ?{owner}))"
    )
}

/// The `authorized_keys` query for each combination of filters, built once:
/// index `3 * owner + fingerprint`, where fingerprint is 0 for none, else 1
/// plus its [`fingerprint_column`]. A filter left out binds NULL to a `?N IS
/// NULL` placeholder, so every variant takes the same four parameters.
pub(super) static AUTHORIZED_KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let fingerprints = [(String::new(), "AND ?3 IS NULL".to_owned())]
        .into_iter()
        .chain(FINGERPRINT_COLUMNS.map(|c| (format!("INDEXED BY ssh_keys_project_{c}"), format!("AND k.{c} = ?3"))))
        .collect::<Vec<_>>();
    let owners = ["AND ?4 IS NULL", "AND k.owner_id = (SELECT u.id FROM users u WHERE u.name = ?4)"];
    let mut queries = Vec::new();
    for owner in owners {
        for (index, fingerprint) in &fingerprints {
            queries.push(format!(
                "SELECT k.id, k.name, k.public_key FROM ssh_keys k {index} \
                 WHERE k.project_id = ?1 AND (k.shared = 1 OR k.owner_id = ?2) {fingerprint} {owner} \
                 ORDER BY k.name, k.id"
            ));
        }
    }
    queries
});

/// The index into [`AUTHORIZED_KEYS`] of the query that answers `q`.
pub(super) fn authorized_keys_variant(q: &AuthorizedKeysQuery) -> usize {
    3 * usize::from(q.owner.is_some()) + q.fingerprint.as_ref().map_or(0, |f| 1 + fingerprint_column(f))
}

/// The keys for an `authorized_keys` answer.
pub fn authorized_keys(conn: &Connection, q: &AuthorizedKeysQuery) -> Result<Vec<AuthorizedKey>, StoreError> {
    let sql = &AUTHORIZED_KEYS[authorized_keys_variant(q)];
    let mut stmt = conn.prepare_cached(sql).map_err(classify)?;
    let fingerprint = q.fingerprint.as_ref().map(KeyFingerprint::as_str);
    let owner = q.owner.as_ref().map(|o| o.as_str());
    let rows = stmt
        .query_map(params![q.project.0, q.viewer.0, fingerprint, owner], |r| {
            let id: [u8; 16] = r.get(0)?;
            Ok(AuthorizedKey { id: KeyId(Uuid::from_bytes(id)), name: r.get(1)?, public_key: r.get(2)? })
        })
        .map_err(classify)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(classify)
}

#[cfg(test)]
#[path = "lookup_tests.rs"]
mod tests;

//! Key reads and the audit trail. The SQL matches the SQLite backend's
//! (see `sqlite/reads.rs`) so both return the same rows in the same order.

use deadpool_postgres::GenericClient;

use std::sync::LazyLock;

use super::lookup::filters;
use super::rows::key_from_row;
use super::sql::{get, query, query_one, query_opt};
use crate::domain::{KeyId, ProjectId, SshKey, Timestamp, UserId};
use crate::store::queries::{PageQueries, key_columns};
use crate::store::{AuditEvent, KeyPage, ListQuery, StoreError};

/// The key, if it is in `project` and visible to `viewer`.
pub async fn get_key(
    c: &impl GenericClient,
    project: ProjectId,
    viewer: UserId,
    id: KeyId,
) -> Result<Option<SshKey>, StoreError> {
    let sql = concat!(
        "SELECT ",
        key_columns!(),
        " FROM ssh_keys WHERE id = $1 AND project_id = $2 AND (shared OR owner_id = $3)"
    );
    let row = query_opt(c, sql, &[&id.0, &project.0, &viewer.0]).await?;
    row.as_ref().map(key_from_row).transpose()
}

/// The key, if it is in one of `projects` and visible to `viewer`.
pub async fn get_key_by_id(
    c: &impl GenericClient,
    viewer: UserId,
    id: KeyId,
    projects: &[ProjectId],
) -> Result<Option<SshKey>, StoreError> {
    let sql = concat!("SELECT ", key_columns!(), " FROM ssh_keys WHERE id = $1 AND (shared OR owner_id = $2)");
    let found = query_opt(c, sql, &[&id.0, &viewer.0]).await?.as_ref().map(key_from_row).transpose()?;
    Ok(found.filter(|key| projects.contains(&key.project)))
}

/// One page and the total visible to the viewer: without filters one
/// statement (see `page_with_total`), with a filter two queries pipelined
/// on the one connection. Either way a single round trip.
pub async fn list_keys(c: &impl GenericClient, q: &ListQuery) -> Result<KeyPage, StoreError> {
    if let Some(fingerprint) = &q.fingerprint {
        return super::lookup::list_by_fingerprint(c, q, fingerprint).await;
    }
    if !is_filtered(q) {
        return page_with_total(c, q).await;
    }
    let (count, keys) = tokio::try_join!(count(c, q), page(c, q))?;
    Ok(KeyPage { count, keys })
}

/// The unfiltered page and its total in one statement, the total (two
/// counter rows, read once per statement) in every row's last column; only
/// an empty page needs the total on its own. Pays only with generic plans
/// (`plan_cache_mode = force_generic_plan`), see bench/README.md.
async fn page_with_total(c: &impl GenericClient, q: &ListQuery) -> Result<KeyPage, StoreError> {
    static SQL: LazyLock<PageQueries> = LazyLock::new(|| {
        PageQueries::new(|order_by, _| {
            format!(
                "SELECT {}, {TOTAL} FROM ssh_keys WHERE project_id = $1 AND (shared OR owner_id = $2) \
                 ORDER BY {order_by} LIMIT $3 OFFSET $4",
                key_columns!()
            )
        })
    });
    static ALONE: LazyLock<String> = LazyLock::new(|| format!("SELECT {TOTAL}"));
    let limit = i64::from(q.limit);
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let rows = query(c, SQL.get(q.order, false), &[&q.project.0, &q.viewer.0, &limit, &offset]).await?;
    let count = match rows.first() {
        Some(row) => get::<i64>(row, TOTAL_COLUMN)?,
        None => get::<i64>(&query_one(c, &ALONE, &[&q.project.0, &q.viewer.0]).await?, 0)?,
    };
    let keys = rows.iter().map(key_from_row).collect::<Result<_, _>>()?;
    Ok(KeyPage { count: count.max(0) as u64, keys })
}

/// Without filters the total comes from the counter rows: O(1) whatever
/// the project's size.
const TOTAL: &str = "COALESCE((SELECT shared_count FROM projects WHERE id = $1), 0) \
                     + COALESCE((SELECT n FROM private_key_counts WHERE project_id = $1 AND owner_id = $2), 0)";

/// Where `page_with_total` puts the total: after `key_columns!()`.
const TOTAL_COLUMN: usize = 9;

/// `strpos` matches the needle literally and case-sensitively (like
/// SQLite's `instr`), so `%`, `_` and `\` need no escaping.
async fn page(c: &impl GenericClient, q: &ListQuery) -> Result<Vec<SshKey>, StoreError> {
    static SQL: LazyLock<PageQueries> = LazyLock::new(|| {
        PageQueries::new(|order_by, filtered| {
            let filter = if filtered { filters(5, 6) } else { String::new() };
            format!(
                "SELECT {} FROM ssh_keys \
                 WHERE project_id = $1 AND (shared OR owner_id = $2) {filter} \
                 ORDER BY {order_by} LIMIT $3 OFFSET $4",
                key_columns!()
            )
        })
    });
    let sql = SQL.get(q.order, is_filtered(q));
    let limit = i64::from(q.limit);
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let rows = if is_filtered(q) {
        query(c, sql, &[&q.project.0, &q.viewer.0, &limit, &offset, &q.name_contains, &q.owner_name]).await?
    } else {
        query(c, sql, &[&q.project.0, &q.viewer.0, &limit, &offset]).await?
    };
    rows.iter().map(key_from_row).collect()
}

/// Without filters the total comes from the counter rows: O(1)
/// whatever the project's size.
async fn count(c: &impl GenericClient, q: &ListQuery) -> Result<u64, StoreError> {
    static FILTERED: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT count(*) FROM ssh_keys WHERE project_id = $1 AND (shared OR owner_id = $2) {}", filters(3, 4))
    });
    let row = if is_filtered(q) {
        query_one(c, &FILTERED, &[&q.project.0, &q.viewer.0, &q.name_contains, &q.owner_name]).await?
    } else {
        let sql = "SELECT COALESCE((SELECT shared_count FROM projects WHERE id = $1), 0) \
                   + COALESCE((SELECT n FROM private_key_counts WHERE project_id = $1 AND owner_id = $2), 0)";
        query_one(c, sql, &[&q.project.0, &q.viewer.0]).await?
    };
    Ok(get::<i64>(&row, 0)?.max(0) as u64)
}

fn is_filtered(q: &ListQuery) -> bool {
    q.name_contains.is_some() || q.owner_name.is_some()
}

/// The audit trail, oldest first.
pub async fn audit_events(c: &impl GenericClient, project: Option<ProjectId>) -> Result<Vec<AuditEvent>, StoreError> {
    let sql = "SELECT a.at, a.action, u.name, a.project_id, a.key_id, a.fingerprint, a.request_id \
               FROM audit_events a JOIN users u ON u.id = a.user_id \
               WHERE $1::BIGINT IS NULL OR a.project_id = $1 ORDER BY a.id";
    let rows = query(c, sql, &[&project.map(|p| p.0)]).await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEvent {
                at: Timestamp(get(r, 0)?),
                action: get(r, 1)?,
                user_name: get(r, 2)?,
                project: ProjectId(get(r, 3)?),
                key_id: KeyId(get(r, 4)?),
                fingerprint: get(r, 5)?,
                request_id: get(r, 6)?,
            })
        })
        .collect()
}

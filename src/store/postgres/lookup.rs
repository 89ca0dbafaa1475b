//! Lookups by fingerprint and owner: the list operation's `fingerprint`
//! filter and the `authorized_keys` answer. The SQL matches the SQLite
//! backend's (see `sqlite/lookup.rs`): every fingerprint lookup is an
//! equality on one of the `(project_id, fingerprint[_sha256])` indexes.

use std::sync::LazyLock;

use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::rows::key_from_row;
use super::sql::{get, query, query_one};
use crate::domain::{AuthorizedKey, KeyFingerprint, KeyId};
use crate::store::queries::{FINGERPRINT_COLUMNS, PageQueries, fingerprint_column, key_columns};
use crate::store::{AuthorizedKeysQuery, KeyPage, ListQuery, StoreError};

/// One page of the keys with `fingerprint` that the viewer sees, and their
/// total; the two queries are pipelined on the one connection.
pub async fn list_by_fingerprint(
    c: &impl GenericClient,
    q: &ListQuery,
    fingerprint: &KeyFingerprint,
) -> Result<KeyPage, StoreError> {
    static PAGES: LazyLock<[PageQueries; 2]> = LazyLock::new(|| FINGERPRINT_COLUMNS.map(page_queries));
    static COUNTS: LazyLock<[String; 2]> = LazyLock::new(|| {
        FINGERPRINT_COLUMNS.map(|column| {
            format!(
                "SELECT count(*) FROM ssh_keys WHERE project_id = $1 AND {column} = $4 \
                 AND (shared OR owner_id = $2) {}",
                filters(3, 5)
            )
        })
    });
    let column = fingerprint_column(fingerprint);
    let (project, viewer, needle, value) = (&q.project.0, &q.viewer.0, &q.name_contains, &fingerprint.as_str());
    let owner = &q.owner_name;
    let (limit, offset) = (i64::from(q.limit), i64::try_from(q.offset).unwrap_or(i64::MAX));
    let count_params: [&(dyn ToSql + Sync); 5] = [project, viewer, needle, value, owner];
    let page_params: [&(dyn ToSql + Sync); 7] = [project, viewer, needle, &limit, &offset, value, owner];
    let count = query_one(c, &COUNTS[column], &count_params);
    let page = query(c, PAGES[column].get(q.order, false), &page_params);
    let (count, rows) = tokio::try_join!(count, page)?;
    let keys = rows.iter().map(key_from_row).collect::<Result<_, _>>()?;
    Ok(KeyPage { count: get::<i64>(&count, 0)?.max(0) as u64, keys })
}

/// The name and owner filters bind NULL when absent, so one text per order
/// serves every combination.
fn page_queries(column: &str) -> PageQueries {
    PageQueries::new(|order_by, _| {
        format!(
            "SELECT {} FROM ssh_keys WHERE project_id = $1 AND {column} = $6 \
             AND (shared OR owner_id = $2) {} \
             ORDER BY {order_by} LIMIT $4 OFFSET $5",
            key_columns!(),
            filters(3, 7)
        )
    })
}

/// The name filter on parameter `$name` and the owner filter on `$owner`,
/// each off when its parameter is NULL.
pub(super) fn filters(name: u8, owner: u8) -> String {
    format!(
        "AND (${name}::TEXT IS NULL OR strpos(name, ${name}) > 0) \
         AND (${owner}::TEXT IS NULL OR owner_id = (SELECT id FROM users WHERE name = ${owner}))"
    )
}

/// The `authorized_keys` query for each combination of filters, indexed as
/// in the SQLite backend: `3 * owner + fingerprint` (0 for none, else 1 plus
/// its column). A filter left out binds NULL to a `$N IS NULL` placeholder.
static AUTHORIZED_KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let fingerprints = ["AND $3::TEXT IS NULL".to_owned()]
        .into_iter()
        .chain(FINGERPRINT_COLUMNS.map(|column| format!("AND k.{column} = $3")))
        .collect::<Vec<_>>();
    let owners = ["AND $4::TEXT IS NULL", "AND k.owner_id = (SELECT u.id FROM users u WHERE u.name = $4)"];
    let mut queries = Vec::new();
    for owner in owners {
        for fingerprint in &fingerprints {
            queries.push(format!(
                "SELECT k.id, k.name, k.public_key FROM ssh_keys k \
                 WHERE k.project_id = $1 AND (k.shared OR k.owner_id = $2) {fingerprint} {owner} \
                 ORDER BY k.name, k.id"
            ));
        }
    }
    queries
});

/// The keys for an `authorized_keys` answer.
pub async fn authorized_keys(
    c: &impl GenericClient,
    q: &AuthorizedKeysQuery,
) -> Result<Vec<AuthorizedKey>, StoreError> {
    let variant = 3 * usize::from(q.owner.is_some()) + q.fingerprint.as_ref().map_or(0, |f| 1 + fingerprint_column(f));
    let fingerprint = q.fingerprint.as_ref().map(KeyFingerprint::as_str);
    let owner = q.owner.as_ref().map(|o| o.as_str());
    let rows = query(c, &AUTHORIZED_KEYS[variant], &[&q.project.0, &q.viewer.0, &fingerprint, &owner]).await?;
    rows.iter().map(|r| Ok(AuthorizedKey { id: KeyId(get(r, 0)?), name: get(r, 1)?, public_key: get(r, 2)? })).collect()
}

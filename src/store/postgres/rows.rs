//! Conversions between rows and records.

use tokio_postgres::Row;

use super::sql::get;
use crate::domain::{KeyId, ProjectId, SshKey, Timestamp, UserId};
use crate::store::StoreError;

/// Reads a key selected with `key_columns!()`.
pub fn key_from_row(row: &Row) -> Result<SshKey, StoreError> {
    Ok(SshKey {
        id: KeyId(get(row, 0)?),
        project: ProjectId(get(row, 1)?),
        owner: UserId(get(row, 2)?),
        name: get(row, 3)?,
        public_key: get(row, 4)?,
        fingerprint: get(row, 5)?,
        shared: get(row, 6)?,
        created_at: Timestamp(get(row, 7)?),
        fingerprint_sha256: get(row, 8)?,
    })
}

/// Optional microsecond timestamps.
pub fn timestamp(row: &Row, idx: usize) -> Result<Option<Timestamp>, StoreError> {
    Ok(get::<Option<i64>>(row, idx)?.map(Timestamp))
}

/// A `bigint[]` of project ids.
pub fn projects(row: &Row, idx: usize) -> Result<Vec<ProjectId>, StoreError> {
    Ok(get::<Vec<i64>>(row, idx)?.into_iter().map(ProjectId).collect())
}

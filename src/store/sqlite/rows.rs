//! Conversions between rows and records.

use rusqlite::Row;
use uuid::Uuid;

use crate::domain::{KeyId, ProjectId, SshKey, Timestamp, UserId};

/// Reads a key selected with `key_columns!()`.
pub fn key_from_row(row: &Row<'_>) -> rusqlite::Result<SshKey> {
    let id: [u8; 16] = row.get(0)?;
    Ok(SshKey {
        id: KeyId(Uuid::from_bytes(id)),
        project: ProjectId(row.get(1)?),
        owner: UserId(row.get(2)?),
        name: row.get(3)?,
        public_key: row.get(4)?,
        fingerprint: row.get(5)?,
        shared: row.get(6)?,
        created_at: Timestamp(row.get(7)?),
        fingerprint_sha256: row.get(8)?,
    })
}

/// Parses the `group_concat` of project ids.
pub fn projects_from_csv(csv: Option<String>) -> Vec<ProjectId> {
    csv.unwrap_or_default().split(',').filter_map(|p| p.parse().ok()).map(ProjectId).collect()
}

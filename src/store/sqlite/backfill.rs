//! Rust steps of SQLite migrations, for what SQL alone cannot compute.

use rusqlite::{Transaction, params};
use rusqlite_migration::{HookError, HookResult};

use crate::domain::Sha256Fingerprint;

/// Migration 0002: SQLite has no SHA-256, so the new `fingerprint_sha256`
/// of rows stored before it is computed here, from the blob in the stored
/// text, inside the migration's transaction. A row whose text is not
/// `type base64` fails the migration (and leaves the database at its old
/// version) rather than getting a wrong fingerprint.
pub fn fingerprint_sha256(tx: &Transaction) -> HookResult {
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT seq, public_key FROM ssh_keys WHERE fingerprint_sha256 = ''")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE ssh_keys SET fingerprint_sha256 = ?2 WHERE seq = ?1")?;
    for (seq, public_key) in rows {
        let fingerprint = Sha256Fingerprint::of_stored_text(&public_key).ok_or_else(|| {
            HookError::Hook(format!("ssh_keys row {seq}: the stored public key is not `type base64 [comment]`"))
        })?;
        update.execute(params![seq, fingerprint.as_str()])?;
    }
    Ok(())
}

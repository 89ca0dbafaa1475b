//! Mapping SQLite errors onto [`StoreError`].

use crate::store::StoreError;

/// Maps SQLite errors onto the store's: a unique violation is a conflict,
/// and states that retrying later may fix (disk full, read-only, locked,
/// I/O) are "unavailable".
pub fn classify(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::ConstraintViolation) if e.to_string().contains("UNIQUE") => StoreError::Conflict,
        Some(
            C::DiskFull
            | C::ReadOnly
            | C::DatabaseBusy
            | C::DatabaseLocked
            | C::SystemIoFailure
            | C::CannotOpen
            | C::OutOfMemory,
        ) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Internal(e.into()),
    }
}

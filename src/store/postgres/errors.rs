//! Mapping driver and pool errors onto [`StoreError`].
//!
//! The rule: anything that retrying later may fix (the server is down,
//! restarting, out of connections, cancelled a slow statement, or the pool
//! waited too long) is `Unavailable` and becomes a 503; a unique violation
//! is a `Conflict`; everything else is a bug and `Internal`.

use deadpool_postgres::PoolError;
use tokio_postgres::error::{Severity, SqlState};

use crate::store::StoreError;

/// SQLSTATE classes meaning "not now": 08 connection exception, 53
/// insufficient resources (disk full, too many connections), 57 operator
/// intervention (admin shutdown, crash recovery, statement timeout), 28
/// invalid authorization (for instance a password rotated under a running
/// node), 40 transaction rollback (serialization failure, deadlock).
const TRANSIENT_CLASSES: [&str; 5] = ["08", "53", "57", "28", "40"];

/// Single codes outside those classes that also mean "not now":
/// read-only transaction (writing to a replica after a failover) and lock
/// not available.
const TRANSIENT_CODES: [SqlState; 2] = [SqlState::READ_ONLY_SQL_TRANSACTION, SqlState::LOCK_NOT_AVAILABLE];

/// Driver errors without a SQLSTATE that mean the server could not be
/// reached or went away; matched on the driver's fixed messages because its
/// error kinds are private. None of these messages carries the password.
const TRANSIENT_DRIVER_MESSAGES: [&str; 6] = [
    "error communicating with the server",
    "connection closed",
    "error connecting to server",
    "timeout waiting for server",
    "error performing TLS handshake",
    "authentication error",
];

/// Maps a driver error.
pub fn classify(e: tokio_postgres::Error) -> StoreError {
    let text = describe(&e);
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            return StoreError::Conflict;
        }
        let transient =
            TRANSIENT_CLASSES.iter().any(|class| code.code().starts_with(class)) || TRANSIENT_CODES.contains(code);
        return if transient { StoreError::Unavailable(text) } else { StoreError::Internal(anyhow::anyhow!(text)) };
    }
    if e.is_closed() || TRANSIENT_DRIVER_MESSAGES.iter().any(|m| text.starts_with(m)) {
        StoreError::Unavailable(text)
    } else {
        StoreError::Internal(anyhow::anyhow!(text))
    }
}

/// Whether a failed COMMIT may still have committed. Only an `ERROR` the
/// server sent back proves a rollback: the session survived and answered.
/// A lost connection (an I/O error, the connection closed, no answer) may
/// have lost the reply to a COMMIT that the server completed, and a `FATAL`
/// can follow a local commit (a backend told to terminate while it waits
/// for a synchronous standby has already committed locally).
pub fn commit_outcome_unknown(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_none_or(|db| db.parsed_severity() != Some(Severity::Error))
}

/// Maps a pool error: waiting too long for a connection, or failing to
/// open one, is `Unavailable`.
pub fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => classify(e),
        PoolError::Timeout(kind) => StoreError::Unavailable(format!("no database connection in time ({kind:?})")),
        PoolError::Closed => StoreError::Unavailable("the connection pool is closed".into()),
        PoolError::PostCreateHook(e) => StoreError::Unavailable(format!("setting up a connection failed: {e}")),
        PoolError::NoRuntimeSpecified => StoreError::Internal(anyhow::anyhow!("the pool has no runtime")),
    }
}

/// The error and its direct cause (for instance the I/O error behind
/// "error connecting to server"), on one line.
pub fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use deadpool_postgres::{PoolError, TimeoutType};

    use super::*;

    #[test]
    fn pool_waits_and_closed_pools_are_unavailable_and_a_missing_runtime_is_a_bug() {
        let cases = [
            (PoolError::Timeout(TimeoutType::Wait), true, "waiting for a free connection"),
            (PoolError::Timeout(TimeoutType::Create), true, "opening a connection"),
            (PoolError::Timeout(TimeoutType::Recycle), true, "recycling a connection"),
            (PoolError::Closed, true, "a closed pool"),
            (PoolError::NoRuntimeSpecified, false, "no runtime"),
        ];
        for (error, unavailable, what) in cases {
            let mapped = pool_error(error);
            assert_eq!(matches!(mapped, StoreError::Unavailable(_)), unavailable, "{what}: {mapped:?}");
        }
    }
}

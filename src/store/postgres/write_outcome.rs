//! How a key write's transaction ends (see `key_write!` in `mod.rs`): its
//! answer, or, when COMMIT's answer was lost, the outcome looked up with
//! [`resolve_commit_outcome`].

use std::time::Duration;

use tokio::time::error::Elapsed;

use super::commit_outcome::{CommitOutcome, KeyWrite, resolve_commit_outcome};
use super::errors::{classify, commit_outcome_unknown, describe};
use crate::domain::SshKey;
use crate::store::StoreError;

/// Why a key write's transaction failed: before COMMIT (nothing
/// happened), or at COMMIT, which may or may not have happened.
pub enum Failure {
    Store(StoreError),
    Commit(tokio_postgres::Error),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// A write's answer rebuilt from the row a lookup found.
pub trait FromCommitted: Sized {
    fn from_committed(row: Option<SshKey>) -> Result<Self, StoreError>;
}

/// Creates and share changes answer with the key.
impl FromCommitted for SshKey {
    fn from_committed(row: Option<SshKey>) -> Result<Self, StoreError> {
        row.ok_or_else(|| StoreError::Internal(anyhow::anyhow!("a committed key write was found without its key")))
    }
}

/// Deletes answer with nothing.
impl FromCommitted for () {
    fn from_committed(_: Option<SshKey>) -> Result<Self, StoreError> {
        Ok(())
    }
}

/// What a key write run under the deadline came to.
pub enum WriteEnd<T> {
    /// An answer, settled like any other operation's.
    Answered(Result<Result<T, StoreError>, Elapsed>),
    /// COMMIT was sent and its answer lost, for this reason.
    CommitLost(String),
}

/// Sorts a key write's outcome. `committing` says whether COMMIT had been
/// sent when the deadline passed.
pub fn end_of<T>(outcome: Result<Result<T, Failure>, Elapsed>, committing: bool) -> WriteEnd<T> {
    match outcome {
        Ok(Ok(value)) => WriteEnd::Answered(Ok(Ok(value))),
        Ok(Err(Failure::Store(e))) => WriteEnd::Answered(Ok(Err(e))),
        Ok(Err(Failure::Commit(e))) if !commit_outcome_unknown(&e) => WriteEnd::Answered(Ok(Err(classify(e)))),
        Ok(Err(Failure::Commit(e))) => WriteEnd::CommitLost(describe(&e)),
        Err(elapsed) if !committing => WriteEnd::Answered(Err(elapsed)),
        Err(_) => WriteEnd::CommitLost("no answer to COMMIT in time".into()),
    }
}

/// The answer to a write whose COMMIT answer was lost (`lost` says why):
/// its own if the lookup finds it, else 503, which then means that nothing
/// changed; also 503, logged as an error, if no lookup succeeds `within`.
pub async fn resolve_lost_commit<T: FromCommitted>(
    config: &tokio_postgres::Config,
    write: &KeyWrite,
    within: Duration,
    lost: &str,
) -> Result<T, StoreError> {
    tracing::warn!(error = %lost, "the answer to a COMMIT was lost; looking the write up");
    match resolve_commit_outcome(config, write, within).await {
        Ok(CommitOutcome::Committed(row)) => {
            tracing::info!("the write whose COMMIT answer was lost is in the database");
            T::from_committed(row)
        }
        Ok(CommitOutcome::NotCommitted) => {
            tracing::info!("the write whose COMMIT answer was lost is not in the database");
            Err(StoreError::Unavailable(format!("the write did not commit: {lost}")))
        }
        Err(e) => {
            tracing::error!(error = %e, "the outcome of a write is unknown");
            Err(e)
        }
    }
}

//! The one error type every backend returns.

use crate::domain::ChangeRefused;

/// What can go wrong in the store, in terms the HTTP layer can map.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a key with this name already exists in the project")]
    Conflict,
    #[error("the project already holds its maximum of {0} keys")]
    QuotaExceeded(u32),
    /// No such row, or one the caller may not see.
    #[error("not found")]
    NotFound,
    #[error("only the key's creator may change or delete it")]
    NotOwner,
    /// The database cannot take the request now (down, disk full,
    /// read-only, pool exhausted). Maps to 503; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or corrupt data. Maps to 500. The metered
    /// decorator adds to the cause which store operation failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<ChangeRefused> for StoreError {
    fn from(refused: ChangeRefused) -> Self {
        match refused {
            ChangeRefused::NotFound => Self::NotFound,
            ChangeRefused::NotOwner => Self::NotOwner,
        }
    }
}

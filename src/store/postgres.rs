//! PostgreSQL backend (built in a later step).

use super::*;

/// PostgreSQL-backed [`KeyStore`].
pub struct PostgresStore;

impl PostgresStore {
    /// Connects and migrates.
    pub async fn open(_url: &DatabaseUrl, _options: &PoolOptions) -> anyhow::Result<Self> {
        anyhow::bail!("the PostgreSQL backend is not built yet")
    }
}

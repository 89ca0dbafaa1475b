//! Loading many keys at once, for seeding benchmarks. Kept out of
//! [`KeyStore`], which carries only what the service needs.

use async_trait::async_trait;

use super::error::StoreError;
use super::key_store::KeyStore;
use crate::domain::NewKey;

/// A store that can also take keys in bulk (both backends can).
#[async_trait]
pub trait BulkLoad: KeyStore {
    /// Inserts many keys in few transactions, creating their projects and
    /// keeping the counters right, without quota or audit events: an
    /// operator's action, not a user's.
    async fn bulk_insert(&self, keys: Vec<NewKey>) -> Result<(), StoreError>;
}

//! Loading many keys at once, for seeding benchmarks. Kept out of
//! [`KeyStore`], which carries only what the service needs.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::error::StoreError;
use super::key_store::KeyStore;
use crate::domain::{NewKey, ProjectId};

/// A store that can also take keys in bulk (both backends can).
#[async_trait]
pub trait BulkLoad: KeyStore {
    /// Inserts many keys in few transactions, creating their projects and
    /// keeping the counters right, without quota or audit events: an
    /// operator's action, not a user's.
    async fn bulk_insert(&self, keys: Vec<NewKey>) -> Result<(), StoreError>;
}

/// What a bulk insert adds to the counters: per project (shared, total),
/// and unshared keys per (project, owner id). Sorted, so that the counter
/// rows are updated in one order by every writer.
pub(crate) struct BulkCounts {
    pub projects: BTreeMap<ProjectId, (i64, i64)>,
    pub private: BTreeMap<(ProjectId, i64), i64>,
}

impl BulkCounts {
    pub fn of(keys: &[NewKey]) -> Self {
        let mut counts = Self { projects: BTreeMap::new(), private: BTreeMap::new() };
        for key in keys {
            let project = counts.projects.entry(key.project).or_default();
            project.0 += i64::from(key.shared);
            project.1 += 1;
            if !key.shared {
                *counts.private.entry((key.project, key.owner.0)).or_default() += 1;
            }
        }
        counts
    }
}

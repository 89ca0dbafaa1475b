//! One module per command, each a `run` that `main.rs` calls.

pub mod audit;
pub mod authorized_keys;
pub mod backup;
pub mod config;
pub mod export;
pub mod import;
pub mod seed;
pub mod serve;
pub mod token;

use std::sync::Arc;

use sshkeyd::config::DatabaseArgs;
use sshkeyd::store::{self, KeyStore, PoolOptions};

/// The store of an admin command.
async fn open(database: &DatabaseArgs) -> anyhow::Result<Arc<dyn KeyStore>> {
    store::open(&database.url(), &pool()).await
}

/// A small pool: an admin command makes a few requests, one at a time.
fn pool() -> PoolOptions {
    PoolOptions { max_connections: 2, ..PoolOptions::default() }
}

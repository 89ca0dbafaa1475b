//! Settling a batch whose commit outcome is unknown.
//!
//! When the connection fails after the batch statement may have finished
//! (for instance the primary fails over while the commit is in flight),
//! the batch may or may not be committed. An error answer must mean that
//! nothing changed, and a 201 that the key is stored, so neither may be
//! guessed. Instead, on a new connection:
//!
//! 1. The old session must be over, or it could still commit after we
//!    looked: if the server still runs it (same pid and start time), it is
//!    terminated (`pg_terminate_backend`, allowed on one's own sessions),
//!    and we wait until it is gone. A session that commits after its client
//!    vanished is thereby ended either before its commit (rolled back) or
//!    after it (kept); either way the outcome is then fixed. On another
//!    server (after a failover) the old session cannot exist.
//! 2. Then the batch's key ids are looked up: a key that is there was
//!    created by this batch (ids are fresh UUIDs), one that is not, was not.
//!
//! All of it is bounded by the time given; past it the outcome stays
//! unknown and the caller is told so (503).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tokio_postgres::Client;
use uuid::Uuid;

use super::link::Backend;
use crate::store::StoreError;
use crate::store::postgres::connect::open_connection;
use crate::store::postgres::errors::classify;

/// Pause between attempts to reach the database.
const RETRY_EVERY: Duration = Duration::from_millis(200);

/// The ids of `ids` that are stored, once the session `old` is over; an
/// error if that could not be established within `within`.
pub async fn stored_ids(
    config: &tokio_postgres::Config,
    settings: &str,
    old: Backend,
    ids: &[Uuid],
    within: Duration,
) -> Result<HashSet<Uuid>, String> {
    let deadline = Instant::now() + within;
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, attempt(config, settings, old, ids, deadline)).await {
            Ok(Ok(found)) => return Ok(found),
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = "the database did not answer in time".into(),
        }
        tokio::time::sleep(RETRY_EVERY.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
    Err(last)
}

async fn attempt(
    config: &tokio_postgres::Config,
    settings: &str,
    old: Backend,
    ids: &[Uuid],
    deadline: Instant,
) -> Result<HashSet<Uuid>, StoreError> {
    let client = open_connection(config).await.map_err(classify)?;
    client.batch_execute(settings).await.map_err(classify)?;
    end_session(&client, old, deadline).await?;
    let rows = client.query("SELECT id FROM ssh_keys WHERE id = ANY($1)", &[&ids]).await.map_err(classify)?;
    rows.iter().map(|r| r.try_get::<_, Uuid>(0).map_err(classify)).collect()
}

/// Terminates the session `old` if the server still runs it, and waits
/// until it is gone. One statement finds and signals it, so no other
/// session that reused the pid meanwhile is hit.
///
/// A session waiting for its synchronous standby is left to wait: it has
/// committed locally, and ending it would make that commit visible and
/// answered 201 while only this server has it, which a failover could
/// lose. If the standby does not answer in time the outcome stays unknown.
async fn end_session(client: &Client, old: Backend, deadline: Instant) -> Result<(), StoreError> {
    let terminate = "SELECT CASE WHEN wait_event = 'SyncRep' THEN false ELSE pg_terminate_backend(pid) END \
                     FROM pg_stat_activity WHERE pid = $1 \
                     AND (extract(epoch FROM backend_start) * 1000000)::BIGINT = $2";
    while Instant::now() < deadline {
        if client.query(terminate, &[&old.pid, &old.started_us]).await.map_err(classify)?.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(StoreError::Unavailable("the old session did not end in time".into()))
}

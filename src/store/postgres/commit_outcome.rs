//! A COMMIT whose answer was lost: did the write happen?
//!
//! When the connection breaks after COMMIT was sent (the primary crashed or
//! was failed over, the network dropped) or no answer comes in time, the
//! write may or may not be in the database. An error answer must mean that
//! nothing changed (a client retries it: a retried create that had
//! committed would get 409 and a generated private key would be lost), so
//! the outcome is looked up instead of guessed: [`resolve_commit_outcome`]
//! connects afresh with the store's settings (with several hosts and
//! `target_session_attrs=read-write`, to whichever host is primary now) and
//! looks for what the write leaves behind, retrying until its time is up.
//!
//! With synchronous replication a commit the old primary acknowledged is on
//! the standby; one it had not acknowledged may or may not be, and the new
//! primary is what decides it.
//!
//! A lookup first takes a share lock on a row the write itself locked (the
//! project's counter row for a create, the key's row for a delete or share
//! change). If the write's transaction is still running on this same
//! server (its session has not yet noticed the broken connection, or it is
//! waiting for a synchronous standby), the lookup waits for it to end, so
//! "absent" is never read before a commit in progress becomes visible. The
//! lookup's transaction is rolled back, as it changes nothing; a rollback
//! never waits for a standby.
//!
//! Any write path calls it the same way: build the [`KeyWrite`] it was
//! making, and answer what [`CommitOutcome`] says.

use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::{Config, Transaction};

use super::connect::open_connection;
use super::errors::classify;
use super::rows::key_from_row;
use crate::domain::{KeyId, ProjectId, SshKey};
use crate::store::StoreError;
use crate::store::queries::key_columns;

/// A key write whose COMMIT went unanswered, described by what it leaves in
/// the database if it committed.
#[derive(Debug, Clone)]
pub enum KeyWrite {
    /// A create: a key with this id, project, owner, name, public key and
    /// creation time exists.
    Created(SshKey),
    /// A delete: the key is gone from its project.
    Deleted { project: ProjectId, id: KeyId },
    /// A share change: the key's `shared` has this value.
    Shared { project: ProjectId, id: KeyId, shared: bool },
}

/// What the database says about such a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The write is there: the key as it is now (`None` after a delete).
    Committed(Option<SshKey>),
    /// The write is provably not there: nothing changed.
    NotCommitted,
}

/// Pause between lookups while no primary answers (during a failover).
const RETRY_PAUSE: Duration = Duration::from_millis(200);

/// Looks `write` up on the primary the `config` finds, retrying while the
/// database is unavailable, for at most `within`. `Unavailable` when no
/// lookup succeeded in that time: the outcome is still unknown.
pub async fn resolve_commit_outcome(
    config: &Config,
    write: &KeyWrite,
    within: Duration,
) -> Result<CommitOutcome, StoreError> {
    let deadline = Instant::now() + within;
    let mut attempts = 0u32;
    let last_error = loop {
        attempts += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let error = match tokio::time::timeout(left, look_up(config, write, left)).await {
            Ok(Ok(outcome)) => return Ok(outcome),
            Ok(Err(StoreError::Unavailable(e))) => e,
            Ok(Err(other)) => return Err(other),
            Err(_) => "no answer in time".to_owned(),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break error;
        }
        tokio::time::sleep(RETRY_PAUSE.min(left)).await;
    };
    Err(StoreError::Unavailable(format!(
        "the outcome of a commit is unknown after {attempts} lookups in {within:?}: {last_error}"
    )))
}

/// One lookup on a new connection, its statements bounded by `left`.
async fn look_up(config: &Config, write: &KeyWrite, left: Duration) -> Result<CommitOutcome, StoreError> {
    let mut client = open_connection(config).await.map_err(classify)?;
    let tx = client.transaction().await.map_err(classify)?;
    let millis = left.as_millis().clamp(1, i32::MAX as u128);
    tx.batch_execute(&format!("SET LOCAL statement_timeout = {millis}")).await.map_err(classify)?;
    let outcome = match write {
        KeyWrite::Created(key) => created(&tx, key).await?,
        KeyWrite::Deleted { project, id } => match locked_key(&tx, *project, *id).await? {
            None => CommitOutcome::Committed(None),
            Some(_) => CommitOutcome::NotCommitted,
        },
        KeyWrite::Shared { project, id, shared } => match locked_key(&tx, *project, *id).await? {
            Some(key) if key.shared == *shared => CommitOutcome::Committed(Some(key)),
            // Unchanged, or deleted since (a retry would then get 404).
            _ => CommitOutcome::NotCommitted,
        },
    };
    tx.rollback().await.map_err(classify)?;
    Ok(outcome)
}

/// Waits for a create in progress in `key`'s project (it holds the
/// counter row), then looks for the key with its content.
async fn created(tx: &Transaction<'_>, key: &SshKey) -> Result<CommitOutcome, StoreError> {
    tx.query("SELECT 1 FROM projects WHERE id = $1 FOR SHARE", &[&key.project.0]).await.map_err(classify)?;
    let sql = concat!("SELECT ", key_columns!(), " FROM ssh_keys WHERE id = $1");
    let found = tx.query_opt(sql, &[&key.id.0]).await.map_err(classify)?;
    let found = found.as_ref().map(key_from_row).transpose()?;
    Ok(match found {
        // Sharing may have changed since; the rest never changes.
        Some(row) if same_key(&row, key) => CommitOutcome::Committed(Some(row)),
        _ => CommitOutcome::NotCommitted,
    })
}

/// The key, once any change in progress on it has ended.
async fn locked_key(tx: &Transaction<'_>, project: ProjectId, id: KeyId) -> Result<Option<SshKey>, StoreError> {
    let sql = concat!("SELECT ", key_columns!(), " FROM ssh_keys WHERE id = $1 AND project_id = $2 FOR SHARE");
    let row = tx.query_opt(sql, &[&id.0, &project.0]).await.map_err(classify)?;
    row.as_ref().map(key_from_row).transpose()
}

/// Whether `row` is the key that was written (and not a chance reuse of
/// its id): every field but the sharing, which may have changed since.
fn same_key(row: &SshKey, written: &SshKey) -> bool {
    SshKey { shared: written.shared, ..row.clone() } == *written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Timestamp, UserId};

    fn key() -> SshKey {
        SshKey {
            id: KeyId(uuid::Uuid::new_v4()),
            project: ProjectId(1),
            owner: UserId(7),
            name: "laptop".into(),
            public_key: "ssh-ed25519 AAAA laptop".into(),
            fingerprint: "aa:bb".into(),
            fingerprint_sha256: "SHA256:x".into(),
            shared: true,
            created_at: Timestamp(1),
        }
    }

    #[test]
    fn a_row_is_the_written_key_whatever_its_sharing_but_not_with_any_other_field_changed() {
        let written = key();
        assert!(same_key(&SshKey { shared: false, ..written.clone() }, &written));
        let others = [
            SshKey { project: ProjectId(2), ..written.clone() },
            SshKey { owner: UserId(8), ..written.clone() },
            SshKey { name: "other".into(), ..written.clone() },
            SshKey { public_key: "ssh-ed25519 BBBB".into(), ..written.clone() },
            SshKey { created_at: Timestamp(2), ..written.clone() },
        ];
        for other in others {
            assert!(!same_key(&other, &written), "{other:?}");
        }
    }

    #[tokio::test]
    async fn with_no_database_reachable_the_outcome_stays_unknown_and_the_wait_is_bounded() {
        // Port 1 on loopback refuses at once: every lookup fails and is retried.
        let config: Config = "postgres://u@127.0.0.1:1/k?connect_timeout=1".parse().unwrap();
        let started = std::time::Instant::now();
        let write = KeyWrite::Deleted { project: ProjectId(1), id: KeyId(uuid::Uuid::new_v4()) };
        let outcome = resolve_commit_outcome(&config, &write, Duration::from_millis(700)).await;
        let took = started.elapsed();
        let Err(StoreError::Unavailable(why)) = outcome else { panic!("{outcome:?}") };
        assert!(why.contains("unknown") && why.contains("lookups"), "{why}");
        assert!(took >= Duration::from_millis(700) && took < Duration::from_secs(3), "{took:?}");
    }
}

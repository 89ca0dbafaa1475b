//! One batch of creates: the arrays of the batch statement, the call, and
//! what its outcome tells about the commit.

use futures_util::TryStreamExt;
use tokio_postgres::error::Severity;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::link::Link;
use crate::domain::{NewKey, SshKey};
use crate::store::postgres::errors::{classify, commit_outcome_unknown, describe};
use crate::store::{AuditContext, StoreError};

/// A create waiting for its batch.
pub struct Create {
    pub key: NewKey,
    pub max_keys: u32,
    pub audit: AuditContext,
}

/// What a call ended in.
pub enum Outcome {
    /// Committed: one status per create (see migration 0003).
    Committed(Vec<i16>),
    /// Nothing was committed (the server refused the statement, or its
    /// session ended before the statement finished).
    Failed(tokio_postgres::Error),
    /// The connection failed after the statement may have finished: the
    /// commit may or may not have happened.
    Unknown(String),
}

/// Runs the batch statement for `creates` in one round trip.
pub async fn call(link: &Link, creates: &[&Create]) -> Outcome {
    let arrays = Arrays::of(creates);
    let params = arrays.params();
    let mut rows = match link.client.query_raw(&link.create_keys, params.iter().copied()).await {
        Ok(rows) => Box::pin(rows),
        Err(e) => return settled_before_result(e),
    };
    let statuses: Vec<i16> = match rows.try_next().await {
        Ok(Some(row)) => match row.try_get(0) {
            Ok(statuses) => statuses,
            Err(e) => return Outcome::Unknown(format!("unreadable batch result: {e}")),
        },
        Ok(None) => return Outcome::Unknown("the batch statement returned no row".into()),
        Err(e) => return settled_before_result(e),
    };
    // The stream ends at ReadyForQuery, sent after the commit; an error
    // here is the commit's own (an ERROR means it was rolled back).
    match rows.try_next().await {
        Ok(None) => Outcome::Committed(statuses),
        Ok(Some(_)) => Outcome::Unknown("the batch statement returned two rows".into()),
        Err(e) if !commit_outcome_unknown(&e) => Outcome::Failed(e),
        Err(e) => Outcome::Unknown(describe(&e)),
    }
}

/// An error before the result row. An ERROR aborted the transaction; a
/// FATAL (the session terminated, say by a shutdown) arrived before the
/// statement had produced its row, so before any commit. Anything else
/// (the connection broke) may have hidden a finished commit.
fn settled_before_result(e: tokio_postgres::Error) -> Outcome {
    match e.as_db_error() {
        Some(_) if !commit_outcome_unknown(&e) || is_fatal(&e) => Outcome::Failed(e),
        _ => Outcome::Unknown(describe(&e)),
    }
}

fn is_fatal(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| matches!(db.parsed_severity(), Some(Severity::Fatal | Severity::Panic)))
}

/// What a create's status means for its caller.
pub fn answer(create: &Create, status: i16) -> Result<SshKey, StoreError> {
    match status {
        0 => Ok(create.key.stored()),
        1 => Err(StoreError::Conflict),
        2 => Err(StoreError::QuotaExceeded(create.max_keys)),
        3 => Err(StoreError::Internal(anyhow::anyhow!("project {} has no counter row", create.key.project.0))),
        other => Err(StoreError::Internal(anyhow::anyhow!("unknown create status {other}"))),
    }
}

/// Whether retrying the whole batch may succeed: a deadlock or
/// serialization failure rolled it back, and nothing of it was stored.
pub fn is_retryable(e: &tokio_postgres::Error) -> bool {
    e.code().is_some_and(|code| code.code().starts_with("40"))
}

/// The failed call's error for each of its creates: a FATAL ended the
/// session (a shutdown), which retrying later may fix.
pub fn failure(e: tokio_postgres::Error) -> StoreError {
    if is_fatal(&e) { StoreError::Unavailable(describe(&e)) } else { classify(e) }
}

/// The batch as the statement's arrays.
struct Arrays<'a> {
    ids: Vec<Uuid>,
    projects: Vec<i64>,
    owners: Vec<i64>,
    names: Vec<&'a str>,
    public_keys: Vec<&'a str>,
    fingerprints: Vec<&'a str>,
    shared: Vec<bool>,
    created_at: Vec<i64>,
    fingerprints_sha256: Vec<&'a str>,
    max_keys: Vec<i64>,
    audit_at: Vec<i64>,
    actors: Vec<i64>,
    request_ids: Vec<&'a str>,
}

impl<'a> Arrays<'a> {
    fn of(creates: &[&'a Create]) -> Self {
        let keys = || creates.iter().map(|c| &c.key);
        Self {
            ids: keys().map(|k| k.id.0).collect(),
            projects: keys().map(|k| k.project.0).collect(),
            owners: keys().map(|k| k.owner.0).collect(),
            names: keys().map(|k| k.name.as_str()).collect(),
            public_keys: keys().map(|k| k.public_key.text()).collect(),
            fingerprints: keys().map(|k| k.public_key.fingerprint().as_str()).collect(),
            shared: keys().map(|k| k.shared).collect(),
            created_at: keys().map(|k| k.created_at.0).collect(),
            fingerprints_sha256: keys().map(|k| k.public_key.fingerprint_sha256().as_str()).collect(),
            max_keys: creates.iter().map(|c| i64::from(c.max_keys)).collect(),
            audit_at: creates.iter().map(|c| c.audit.at.0).collect(),
            actors: creates.iter().map(|c| c.audit.actor.0).collect(),
            request_ids: creates.iter().map(|c| c.audit.request_id.as_str()).collect(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 13] {
        [
            &self.ids,
            &self.projects,
            &self.owners,
            &self.names,
            &self.public_keys,
            &self.fingerprints,
            &self.shared,
            &self.created_at,
            &self.fingerprints_sha256,
            &self.max_keys,
            &self.audit_at,
            &self.actors,
            &self.request_ids,
        ]
    }
}

//! Group commit of creates on PostgreSQL, as the SQLite writer does it.
//!
//! A create used to be a transaction of its own: insert, take the quota
//! slot (the project's counter row lock), private count, audit row and
//! COMMIT, five round trips with the project's lock held over the last
//! three and the WAL flush. Every create in a project queued behind that
//! lock, so a project managed a few hundred creates a second.
//!
//! Here a create joins a queue. A worker takes every create waiting (at
//! most [`MAX_BATCH`]) and stores them with one statement, the PL/pgSQL
//! function of migration 0003, in its own autocommit transaction: one
//! round trip, one WAL flush, the counter rows locked once for the batch.
//! Each create still gets its own outcome (409, quota) and the others go
//! on; a 2xx is sent only after the commit. Uniqueness, the quota and the
//! audit row stay in the database, so several nodes can write at once.
//!
//! Failures: a statement the server refused changed nothing, and each
//! create gets the error (a deadlock or serialization failure is retried;
//! another error in a batch of several runs each create alone, so one bad
//! create fails alone). A connection lost while the outcome may be a
//! commit is settled before anyone is answered (`resolve.rs`).

mod batch;
mod link;
mod resolve;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::domain::{NewKey, SshKey};
use crate::store::{AuditContext, StoreError};
use batch::{Create, Outcome};
use link::Link;

/// Most creates in one statement.
const MAX_BATCH: usize = 128;
/// Creates queued before callers wait to join.
const QUEUE_DEPTH: usize = 1024;
/// Batches in flight per node, each on its own connection.
const WORKERS: usize = 1;
/// Attempts at a batch the server rolled back for a deadlock or a
/// serialization failure.
const ATTEMPTS: usize = 3;

/// Handle to the queue; the workers stop when the last handle is dropped.
pub struct Creates {
    queue: mpsc::Sender<Queued>,
}

struct Queued {
    create: Create,
    since: Instant,
    reply: oneshot::Sender<Result<SshKey, StoreError>>,
}

/// What the workers share.
struct Shared {
    queue: Mutex<mpsc::Receiver<Queued>>,
    config: tokio_postgres::Config,
    /// `SET` statements every connection runs first.
    settings: String,
    /// Longest wait in the queue (the pool's acquire timeout).
    wait_limit: Duration,
    /// Bound on opening a connection and on one batch statement.
    deadline: Duration,
}

impl Creates {
    /// Starts the workers. They connect when the first create arrives.
    pub fn start(config: tokio_postgres::Config, settings: String, wait_limit: Duration, deadline: Duration) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_DEPTH);
        let shared = Arc::new(Shared { queue: Mutex::new(receiver), config, settings, wait_limit, deadline });
        for _ in 0..WORKERS {
            tokio::spawn(work(shared.clone()));
        }
        Self { queue }
    }

    /// Creates the key in the next batch; answers once that is committed.
    pub async fn create(&self, key: NewKey, max_keys: u32, audit: AuditContext) -> Result<SshKey, StoreError> {
        let (reply, answer) = oneshot::channel();
        let queued = Queued { create: Create { key, max_keys, audit }, since: Instant::now(), reply };
        self.queue.send(queued).await.map_err(|_| StoreError::Unavailable("the create queue has stopped".into()))?;
        answer.await.unwrap_or_else(|_| Err(StoreError::Internal(anyhow::anyhow!("a create was left unanswered"))))
    }
}

async fn work(shared: Arc<Shared>) {
    let mut link: Option<Link> = None;
    while let Some(batch) = next_batch(&shared).await {
        let batch = drop_stale(batch, shared.wait_limit);
        if !batch.is_empty() {
            run(&shared, &mut link, batch).await;
        }
    }
}

/// Every create waiting, up to [`MAX_BATCH`]; `None` once the store is gone.
async fn next_batch(shared: &Shared) -> Option<Vec<Queued>> {
    let mut queue = shared.queue.lock().await;
    let first = queue.recv().await?;
    let mut batch = Vec::with_capacity(MAX_BATCH.min(queue.len() + 1));
    batch.push(first);
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(queued) => batch.push(queued),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Answers creates that waited longer than a request may wait for a
/// connection (the database is down or overloaded): 503, nothing stored.
fn drop_stale(batch: Vec<Queued>, limit: Duration) -> Vec<Queued> {
    let (fresh, stale): (Vec<_>, Vec<_>) = batch.into_iter().partition(|q| q.since.elapsed() <= limit);
    for queued in stale {
        let _ = queued.reply.send(Err(StoreError::Unavailable(format!("no database connection in time ({limit:?})"))));
    }
    fresh
}

/// Runs a batch to its answers.
async fn run(shared: &Arc<Shared>, link: &mut Option<Link>, batch: Vec<Queued>) {
    let mut attempt = 1;
    loop {
        let conn = match open(shared, link).await {
            Ok(conn) => conn,
            Err(e) => return answer_all(batch, &e),
        };
        let creates: Vec<&Create> = batch.iter().map(|q| &q.create).collect();
        let outcome = match tokio::time::timeout(shared.deadline, batch::call(conn, &creates)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Unknown(format!("the database did not answer within {:?}", shared.deadline)),
        };
        // Not one status per create: a committed batch whose answers cannot
        // be matched up, settled like a lost answer (the ids are looked up).
        let outcome = match outcome {
            Outcome::Committed(s) if s.len() != batch.len() => {
                Outcome::Unknown(format!("{} statuses for {} creates", s.len(), batch.len()))
            }
            outcome => outcome,
        };
        match outcome {
            Outcome::Committed(statuses) => {
                for (queued, status) in batch.into_iter().zip(statuses) {
                    let answer = batch::answer(&queued.create, status);
                    let _ = queued.reply.send(answer);
                }
                return;
            }
            Outcome::Failed(e) if batch::is_retryable(&e) && attempt < ATTEMPTS => attempt += 1,
            Outcome::Failed(e) => {
                let error = batch::failure(e);
                if matches!(error, StoreError::Unavailable(_)) {
                    // A server that went read-only (a failed-over primary)
                    // keeps its sessions: a new connection finds the primary.
                    *link = None;
                }
                if batch.len() > 1 && matches!(error, StoreError::Internal(_) | StoreError::Conflict) {
                    return Box::pin(one_by_one(shared, link, batch)).await;
                }
                return answer_all(batch, &error);
            }
            Outcome::Unknown(why) => {
                let old = link.take().map(|l| l.backend);
                tokio::spawn(settle(shared.clone(), old, batch, why));
                return;
            }
        }
    }
}

/// Runs each create of a failed batch alone, so that one create the
/// server refuses fails alone.
async fn one_by_one(shared: &Arc<Shared>, link: &mut Option<Link>, batch: Vec<Queued>) {
    for queued in batch {
        run(shared, link, vec![queued]).await;
    }
}

/// The worker's connection, opened again if it was lost.
async fn open<'a>(shared: &Shared, link: &'a mut Option<Link>) -> Result<&'a Link, StoreError> {
    if link.as_ref().is_some_and(|l| l.client.is_closed()) {
        *link = None;
    }
    match link {
        Some(conn) => Ok(conn),
        None => Ok(link.insert(Link::open(&shared.config, &shared.settings, shared.deadline).await?)),
    }
}

/// Answers a batch whose commit outcome is unknown, once it is known.
async fn settle(shared: Arc<Shared>, old: Option<link::Backend>, batch: Vec<Queued>, why: String) {
    let ids: Vec<uuid::Uuid> = batch.iter().map(|q| q.create.key.id.0).collect();
    let found = match old {
        Some(old) => resolve::stored_ids(&shared.config, &shared.settings, old, &ids, shared.deadline).await,
        None => Err("the connection's session is not known".to_owned()),
    };
    match found {
        Ok(stored) => {
            tracing::warn!(error = %why, creates = batch.len(), stored = stored.len(), "a batch's commit was in doubt; settled");
            for queued in batch {
                let answer = if stored.contains(&queued.create.key.id.0) {
                    Ok(queued.create.key.stored())
                } else {
                    Err(StoreError::Unavailable(format!("the database connection failed ({why}); not stored")))
                };
                let _ = queued.reply.send(answer);
            }
        }
        Err(e) => {
            tracing::error!(error = %why, settling = %e, creates = batch.len(), "a batch's commit is in doubt and could not be settled");
            let e = StoreError::Unavailable(format!("the database connection failed ({why}); the outcome is unknown"));
            answer_all(batch, &e);
        }
    }
}

fn answer_all(batch: Vec<Queued>, error: &StoreError) {
    for queued in batch {
        let _ = queued.reply.send(Err(copy(error)));
    }
}

/// The same error for another create of the batch.
fn copy(error: &StoreError) -> StoreError {
    match error {
        StoreError::Conflict => StoreError::Conflict,
        StoreError::QuotaExceeded(max) => StoreError::QuotaExceeded(*max),
        StoreError::NotFound => StoreError::NotFound,
        StoreError::NotOwner => StoreError::NotOwner,
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        StoreError::Internal(e) => StoreError::Internal(anyhow::anyhow!("{e:#}")),
    }
}

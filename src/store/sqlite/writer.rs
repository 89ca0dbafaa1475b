//! Group commit: one thread owns the only write connection and commits
//! concurrent writes together.
//!
//! With `synchronous=FULL` every commit costs an fsync, which caps a
//! one-transaction-per-request design at a few thousand writes a second.
//! Here each request sends a job; the writer takes every job waiting,
//! runs each in its own savepoint inside one transaction, commits once, and
//! only then answers each job. A 2xx therefore still means "durably
//! committed", while one fsync serves the whole batch. A failing job rolls
//! back its savepoint alone.
//!
//! A second thread checkpoints: it copies committed WAL frames into the
//! database file and fsyncs it, work that SQLite would otherwise do inside
//! the commit that crosses the autocheckpoint threshold, stalling every
//! request in that batch for milliseconds.

use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::job::{self, Job, Ran};
use crate::store::StoreError;

/// Most jobs in one transaction: enough to amortise the fsync, small enough
/// to keep each commit's latency low.
const MAX_BATCH: usize = 256;
/// Jobs queued before senders wait; bounds memory under any load.
const QUEUE_DEPTH: usize = 4096;
/// How often the checkpointer copies the WAL into the database: often
/// enough that the writer's own threshold checkpoint finds little to copy.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

/// Handle to the writer thread. Dropping every handle stops the thread
/// after it has committed what it holds.
#[derive(Clone)]
pub struct Writer {
    /// `None` when the database is read-only: every write gets 503.
    jobs: Option<mpsc::Sender<Box<dyn Job>>>,
}

impl Writer {
    /// Opens the write connection and starts the thread.
    pub fn start(path: &Path) -> anyhow::Result<Self> {
        let conn = super::connection::open_writer(path)?;
        let checkpointer = super::connection::open_checkpointer(path)?;
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        // The checkpointer stops when the writer drops `alive`.
        let (alive, writer_gone) = std_mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, writer_gone))?;
        std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            run(conn, queue);
            drop(alive);
        })?;
        Ok(Self { jobs: Some(jobs) })
    }

    /// A writer for a database that cannot be written: every write is
    /// refused as unavailable, so reads go on while writes get 503.
    pub fn read_only() -> Self {
        Self { jobs: None }
    }

    /// Runs `op` inside the next batch and returns its result once the
    /// batch is committed.
    pub async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let stopped = || StoreError::Unavailable("the writer has stopped".into());
        let jobs = self.jobs.as_ref().ok_or_else(|| StoreError::Unavailable("the database is read-only".into()))?;
        let (job, answer) = job::new(op);
        jobs.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn run(conn: Connection, mut queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, batch);
    }
}

/// PASSIVE checkpoints never wait for the writer or for readers; frames a
/// reader still needs are left for the next round.
fn checkpoint_loop(conn: Connection, writer_gone: std_mpsc::Receiver<()>) {
    while let Err(std_mpsc::RecvTimeoutError::Timeout) = writer_gone.recv_timeout(CHECKPOINT_EVERY) {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "background checkpoint failed; the writer's own will run");
        }
    }
}

fn commit_batch(conn: &Connection, batch: Vec<Box<dyn Job>>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let msg = e.to_string();
        for job in batch {
            job.refuse(StoreError::Unavailable(msg.clone()));
        }
        return;
    }
    let mut done: Vec<Box<dyn Ran>> = Vec::with_capacity(batch.len());
    // SQLite rolls the whole transaction back by itself on some errors (disk
    // full, I/O error). Then nothing in this batch is committed, and the
    // remaining jobs must not run outside the transaction.
    let mut lost = false;
    for job in batch {
        done.push(if lost {
            job.settle(StoreError::Unavailable("the transaction was rolled back".into()))
        } else {
            job.run(conn)
        });
        lost = lost || conn.is_autocommit();
    }
    let outcome = if lost {
        Err("the transaction was rolled back by the database".to_owned())
    } else {
        conn.execute_batch("COMMIT").map_err(|e| e.to_string())
    };
    if let Err(msg) = outcome {
        let _ = conn.execute_batch("ROLLBACK");
        tracing::error!(error = %msg, "sqlite commit failed; the batch was not stored");
        for ran in done {
            ran.answer(Err(StoreError::Unavailable(msg.clone())));
        }
        return;
    }
    for ran in done {
        ran.answer(Ok(()));
    }
}

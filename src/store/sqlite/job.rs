//! One write on its way through the writer thread. Each job owns the typed
//! sender its caller awaits, so it can only answer with the type the caller
//! expects: the thread handles jobs of every result type through the
//! [`Job`] and [`Ran`] traits, without boxing results as `Any`.

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::errors::classify;
use crate::store::StoreError;

/// The caller's end: the result, once its batch has been committed.
pub type Answer<T> = oneshot::Receiver<Result<T, StoreError>>;

/// A write waiting for its batch.
pub trait Job: Send {
    /// Runs the write in its own savepoint of the batch's transaction; the
    /// result waits in the returned [`Ran`] until the batch's fate is known.
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Ran>;

    /// Settles the job without running it, with `error` as its result.
    fn settle(self: Box<Self>, error: StoreError) -> Box<dyn Ran>;

    /// Answers at once with `error`, without running.
    fn refuse(self: Box<Self>, error: StoreError) {
        self.settle(error).answer(Ok(()));
    }
}

/// A job that ran (or was settled), holding its result.
pub trait Ran {
    /// Answers the caller once the batch is over: with the job's own result
    /// when the batch committed (`Ok`); otherwise with the job's own error,
    /// or `batch`'s error if the job had succeeded, since nothing of it was
    /// stored.
    fn answer(self: Box<Self>, batch: Result<(), StoreError>);
}

/// A job for `op`, and where its answer will arrive.
pub fn new<T, F>(op: F) -> (Box<dyn Job>, Answer<T>)
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    (Box::new(Pending { op, reply }), answer)
}

struct Pending<T, F> {
    op: F,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

struct Done<T> {
    result: Result<T, StoreError>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Ran> {
        Box::new(Done { result: run_in_savepoint(conn, self.op), reply: self.reply })
    }

    fn settle(self: Box<Self>, error: StoreError) -> Box<dyn Ran> {
        Box::new(Done { result: Err(error), reply: self.reply })
    }
}

impl<T: Send + 'static> Ran for Done<T> {
    fn answer(self: Box<Self>, batch: Result<(), StoreError>) {
        let result = match batch {
            Ok(()) => self.result,
            Err(e) => self.result.and(Err(e)),
        };
        // The caller may have given up (its request timed out); the write
        // stands either way.
        let _ = self.reply.send(result);
    }
}

/// Runs `op` in a savepoint, rolled back if `op` fails, so a failing job
/// undoes itself alone.
fn run_in_savepoint<T>(
    conn: &Connection,
    op: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let sql = |s: &str| conn.prepare_cached(s).and_then(|mut st| st.execute([]));
    sql("SAVEPOINT job").map_err(classify)?;
    let result = op(conn);
    if result.is_err() && !conn.is_autocommit() && sql("ROLLBACK TO job").is_err() {
        // The failed job could not be undone alone, and committing the
        // batch would store part of it: the whole transaction goes, which
        // the writer sees (autocommit again) and answers as lost for all.
        let _ = conn.execute_batch("ROLLBACK");
    }
    if !conn.is_autocommit() {
        let _ = sql("RELEASE job");
    }
    result
}

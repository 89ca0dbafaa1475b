//! What a backend implements to be exported and imported, kept apart from
//! [`KeyStore`](crate::store::KeyStore): the service never needs it, and
//! the decorators then need no pass-throughs.

use std::fmt;

use async_trait::async_trait;

use super::record::Record;

/// A database that can write all it holds as records.
#[async_trait]
pub trait Dump: Send {
    /// `sqlite` or `postgres`, for the header.
    fn backend(&self) -> &'static str;

    /// Hands every record to `out` in archive order (users, projects,
    /// tokens, keys, private key counts, audit events, each by id), all read
    /// from one consistent snapshot and streamed: memory stays bounded
    /// whatever the size of the database.
    async fn dump(&mut self, out: &mut (dyn RecordSink + Send)) -> anyhow::Result<()>;
}

/// An empty database that can take a whole export at once.
#[async_trait]
pub trait Restore: Send {
    /// Refuses a database that is not empty, then stores every record
    /// `records` yields in one transaction, committed only once
    /// [`RecordSource::finish`] has accepted the whole file: all or nothing.
    async fn restore(&mut self, records: &mut (dyn RecordSource + Send)) -> anyhow::Result<Summary>;
}

/// Where exported records go.
pub trait RecordSink {
    fn put(&mut self, record: &Record) -> anyhow::Result<()>;
}

/// Checked records of an export file, header excluded.
pub trait RecordSource {
    /// The next record, checked against everything before it; `None` at the
    /// end of the input. An error is a [`LineError`] or a read failure.
    fn next_record(&mut self) -> anyhow::Result<Option<Record>>;

    /// The checks that need the whole file (the counters against the keys),
    /// after the last record; what the file holds.
    fn finish(&mut self) -> anyhow::Result<Summary>;
}

/// Why a line of an export file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LineError {
    /// 1-based; the header is line 1.
    pub line: usize,
    pub reason: String,
}

/// How many records of each kind went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub users: u64,
    pub projects: u64,
    pub tokens: u64,
    pub keys: u64,
    pub audit_events: u64,
}

impl Summary {
    /// Counts one record.
    pub fn add(&mut self, record: &Record) {
        match record {
            Record::User(_) => self.users += 1,
            Record::Project(_) => self.projects += 1,
            Record::Token(_) => self.tokens += 1,
            Record::Key(_) => self.keys += 1,
            Record::AuditEvent(_) => self.audit_events += 1,
            Record::Header(_) | Record::PrivateKeyCount(_) => {}
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users, {} projects, {} tokens, {} keys, {} audit events",
            self.users, self.projects, self.tokens, self.keys, self.audit_events
        )
    }
}

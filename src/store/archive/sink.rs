//! Writing records as JSON Lines.

use std::io::Write;

use super::ports::{RecordSink, Summary};
use super::record::Record;

/// Serialises each record on its own line into `out` (give it a buffered
/// writer) and counts them.
pub struct JsonLines<W> {
    out: W,
    summary: Summary,
}

impl<W: Write> JsonLines<W> {
    pub fn new(out: W) -> Self {
        Self { out, summary: Summary::default() }
    }

    /// Flushes and returns what was written.
    pub fn finish(mut self) -> anyhow::Result<Summary> {
        self.out.flush()?;
        Ok(self.summary)
    }
}

impl<W: Write> RecordSink for JsonLines<W> {
    fn put(&mut self, record: &Record) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")?;
        self.summary.add(record);
        Ok(())
    }
}

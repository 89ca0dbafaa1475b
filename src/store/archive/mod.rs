//! Export and import: the whole store as JSON Lines, to back it up or move
//! it between backends.
//!
//! The first line is a header (`format`, the `sshkeyd` version, the source
//! `backend`, `exported_at`); then one object per record, by kind (users,
//! projects, tokens, keys, private key counts, audit events) and by id
//! within a kind, so two exports of the same data are identical but for the
//! header's time, whichever backend wrote them. The types are in
//! `record.rs`; what import checks in `check.rs`, `check_key.rs` and
//! `tally.rs`. Each backend implements [`Dump`] and [`Restore`] in its own
//! `dump.rs` and `restore.rs`; [`open_dump`] and [`open_restore`] pick one
//! by URL.

mod check;
mod check_key;
mod database;
mod lines;
mod open;
mod ports;
pub mod record;
mod sink;
mod tally;
#[cfg(test)]
mod tests;
mod verdict;

use std::io::{BufRead, Write};

pub use database::{DATA_TABLES, require_empty, schema_is_current};
pub use lines::{CheckedLines, MAX_LINE_BYTES};
pub use open::{open_dump, open_restore};
pub use ports::{Dump, LineError, RecordSink, RecordSource, Restore, Summary};
pub use record::{FORMAT, Record};
pub use sink::JsonLines;

use crate::domain::Timestamp;
use record::Header;

/// Writes the header and every record of `source` to `out`.
pub async fn export(source: &mut dyn Dump, out: impl Write + Send) -> anyhow::Result<Summary> {
    let mut sink = JsonLines::new(out);
    let header = Header {
        format: FORMAT,
        sshkeyd: env!("CARGO_PKG_VERSION").to_owned(),
        backend: source.backend().to_owned(),
        exported_at: Timestamp::now().0,
    };
    sink.put(&Record::Header(header))?;
    source.dump(&mut sink).await?;
    sink.finish()
}

/// Checks every line of `input` and stores it all in `target`, or nothing.
pub async fn import(target: &mut dyn Restore, input: impl BufRead + Send) -> anyhow::Result<Summary> {
    target.restore(&mut CheckedLines::new(input)).await
}

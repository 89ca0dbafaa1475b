//! Reading an export file: one JSON object a line, the header first, each
//! record checked as it is read, so that an import stops at the first bad
//! line and names it.

use std::io::{BufRead, Read};

use serde_json::Value;

use super::check::Checker;
use super::ports::{LineError, RecordSource, Summary};
use super::record::{FORMAT, Header, Record};

/// Longest line read (a key line is a few KiB at most): a file that is not
/// JSON Lines cannot make the reader hold it whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The checked records of an export file.
pub struct CheckedLines<R> {
    input: R,
    line: usize,
    header: Option<Header>,
    checker: Checker,
    buf: Vec<u8>,
}

impl<R: BufRead> CheckedLines<R> {
    pub fn new(input: R) -> Self {
        Self { input, line: 0, header: None, checker: Checker::default(), buf: Vec::new() }
    }

    fn refuse(&self, reason: impl Into<String>) -> anyhow::Error {
        LineError { line: self.line, reason: reason.into() }.into()
    }

    /// Reads the next line into the buffer, without its newline; `false`
    /// at the end of the input.
    fn read_line(&mut self) -> anyhow::Result<bool> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = (&mut self.input).take(limit).read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > MAX_LINE_BYTES {
            return Err(self.refuse(format!("longer than {MAX_LINE_BYTES} bytes")));
        }
        if std::str::from_utf8(&self.buf).is_err() {
            return Err(self.refuse("not UTF-8 text"));
        }
        Ok(true)
    }

    /// The line [`Self::read_line`] read (checked to be UTF-8 there).
    fn text(&self) -> &str {
        std::str::from_utf8(&self.buf).unwrap_or_default()
    }

    /// Line 1. The format is looked at before anything else, so that a
    /// newer file is refused for what it is, not for a field it added.
    fn read_header(&mut self) -> anyhow::Result<()> {
        if !self.read_line()? {
            let reason = "the input is empty: an export starts with a header line";
            return Err(LineError { line: 1, reason: reason.into() }.into());
        }
        let value: Value = serde_json::from_str(self.text())
            .map_err(|e| self.refuse(format!("not JSON ({}): is this an sshkeyd export?", plain(&e))))?;
        if value.get("kind").and_then(Value::as_str) != Some("header") {
            return Err(
                self.refuse("the first line must be the header (\"kind\":\"header\"): is this an sshkeyd export?")
            );
        }
        match value.get("format").and_then(Value::as_u64) {
            Some(f) if f == u64::from(FORMAT) => {}
            Some(f) if f > u64::from(FORMAT) => {
                return Err(self.refuse(format!(
                    "format {f} is newer than this sshkeyd reads (format {FORMAT}): import it with a newer sshkeyd"
                )));
            }
            _ => return Err(self.refuse(format!("format must be {FORMAT}"))),
        }
        let Record::Header(header) = serde_json::from_value(value).map_err(|e| self.refuse(plain(&e)))? else {
            return Err(self.refuse("the first line must be the header"));
        };
        if !["sqlite", "postgres"].contains(&header.backend.as_str()) {
            return Err(self.refuse("backend must be sqlite or postgres"));
        }
        self.header = Some(header);
        Ok(())
    }
}

impl<R: BufRead> RecordSource for CheckedLines<R> {
    fn next_record(&mut self) -> anyhow::Result<Option<Record>> {
        if self.header.is_none() {
            self.read_header()?;
        }
        if !self.read_line()? {
            return Ok(None);
        }
        let record: Record = serde_json::from_str(self.text()).map_err(|e| {
            let reason = if e.is_syntax() || e.is_eof() { format!("not JSON: {}", plain(&e)) } else { plain(&e) };
            self.refuse(reason)
        })?;
        self.checker.check(self.line, &record)?;
        Ok(Some(record))
    }

    fn finish(&mut self) -> anyhow::Result<Summary> {
        if self.header.is_none() {
            self.read_header()?;
        }
        Ok(self.checker.finish()?)
    }
}

/// serde_json's message without its `at line 1 column N` (always line 1
/// here; the caller names the file's line).
fn plain(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_owned(),
        None => text,
    }
}

//! Standard output for scripts. A reader that stops early (`sshkeyd token
//! list | head -1`) closes the pipe; Rust ignores SIGPIPE, so the next
//! write fails with EPIPE, which `println!` turns into a panic (exit 101).
//! Here it ends the output quietly instead, as `ls | head -1` does.

use std::io::{self, BufWriter, Write};

/// Runs `write` on a buffered, locked stdout and flushes it. A closed pipe
/// is success (the reader has what it wanted); any other write error is
/// reported.
pub fn print(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(|e| anyhow::anyhow!("writing to standard output: {e}")),
    }
}

/// A stored text field for a tab-separated table: a control, format or
/// line-separator character (possible in rows written before names were
/// checked) is shown escaped, so it cannot break or disguise a line.
pub fn cell(text: &str) -> String {
    if !text.chars().any(sshkeyd::domain::is_hidden_or_breaking) {
        return text.to_owned();
    }
    let escape = |c: char| {
        if sshkeyd::domain::is_hidden_or_breaking(c) { c.escape_unicode().to_string() } else { c.to_string() }
    };
    text.chars().map(escape).collect()
}

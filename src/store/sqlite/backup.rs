//! `sshkeyd backup`: a consistent copy of a live database.
//!
//! SQLite's online backup API copies the pages that one read transaction
//! sees, so the copy is the database as of one commit while the service
//! keeps writing (in WAL mode the writer never waits for a reader). The
//! copy is made in a single step: copied in increments, the backup starts
//! over whenever another process commits, and under a steady stream of
//! creates it may never finish. `VACUUM INTO` is as consistent but rebuilds
//! every table and index on the way, 8 times slower on a 100 MB database
//! (README, "SQLite backups"), holding its read snapshot (and so the
//! WAL's growth) that much longer.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use super::connection::open_reader;

/// How long a step may keep finding the source locked (another process
/// switching journal modes, say) before the backup gives up.
const BUSY_FOR: Duration = Duration::from_secs(5);

/// Copies the database at `source` into `dest`, a new empty file, as one
/// self-contained file (rollback journal mode: no `-wal` beside it; a
/// server opening it switches it back to WAL), and checks the copy with
/// `PRAGMA integrity_check`.
pub fn backup_sqlite(source: &Path, dest: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(source.is_file(), "no SQLite database at {}", source.display());
    let from = open_reader(source, false)?;
    let mut to = Connection::open(dest).with_context(|| format!("creating {}", dest.display()))?;
    copy(&from, &mut to).with_context(|| format!("copying {}", source.display()))?;
    to.pragma_update(None, "journal_mode", "DELETE")?;
    let verdict: String = to.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    anyhow::ensure!(verdict == "ok", "the copy failed PRAGMA integrity_check: {verdict}");
    to.close().map_err(|(_, e)| e)?;
    Ok(())
}

fn copy(from: &Connection, to: &mut Connection) -> anyhow::Result<()> {
    let backup = Backup::new(from, to)?;
    let deadline = Instant::now() + BUSY_FOR;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => anyhow::bail!("the database stayed locked for {BUSY_FOR:?}"),
        }
    }
}

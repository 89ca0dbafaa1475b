//! Output files that are complete or absent. The content goes to a
//! temporary file beside the target (mode 0600: exports and backups hold
//! token hashes and the audit trail), which is fsynced and then moved into
//! place: by `link` when the target must not exist, so that a file created
//! meanwhile is never replaced, or by `rename` with `--force`; then the
//! directory is fsynced. Dropped before [`OutputFile::commit`], the
//! temporary file is removed, so a failed command leaves nothing behind.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A target path and the temporary file being written for it.
pub struct OutputFile {
    target: PathBuf,
    temp: PathBuf,
    dir: PathBuf,
    force: bool,
    committed: bool,
}

impl OutputFile {
    /// Checks the target (its directory exists; it does not, unless
    /// `force`; it is not a directory) and creates the empty temporary file.
    pub fn create(target: &Path, force: bool) -> anyhow::Result<(Self, File)> {
        let name = target.file_name().filter(|_| !target.is_dir());
        let Some(name) = name else { anyhow::bail!("{} is a directory, not a file name", target.display()) };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        anyhow::ensure!(dir.is_dir(), "the output directory {} does not exist", dir.display());
        if !force && target.symlink_metadata().is_ok() {
            anyhow::bail!("{} already exists; pass --force to replace it", target.display());
        }
        let base = format!(".{}.{}", name.to_string_lossy(), std::process::id());
        for attempt in 0..100 {
            let temp = dir.join(format!("{base}.{attempt}.tmp"));
            match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temp) {
                Ok(file) => {
                    let output = Self { target: target.to_path_buf(), temp, dir, force, committed: false };
                    return Ok((output, file));
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e).with_context(|| format!("cannot create a file in {}", dir.display())),
            }
        }
        anyhow::bail!("cannot find a free temporary name in {}", dir.display())
    }

    /// Where the content goes until [`OutputFile::commit`].
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Makes the finished temporary file the target, durably.
    pub fn commit(mut self) -> anyhow::Result<()> {
        File::open(&self.temp).and_then(|f| f.sync_all()).context("writing the output to disk")?;
        if self.force {
            std::fs::rename(&self.temp, &self.target)?;
        } else {
            match std::fs::hard_link(&self.temp, &self.target) {
                Ok(()) => std::fs::remove_file(&self.temp)?,
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    anyhow::bail!("{} was created meanwhile; pass --force to replace it", self.target.display())
                }
                // A file system without hard links: the check in `create`
                // has to do.
                Err(_) => std::fs::rename(&self.temp, &self.target)?,
            }
        }
        self.committed = true;
        File::open(&self.dir).and_then(|d| d.sync_all()).context("writing the output directory to disk")?;
        Ok(())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
            // What SQLite may leave beside a copy it was writing.
            for suffix in ["-journal", "-wal", "-shm"] {
                let mut side = self.temp.clone().into_os_string();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
    }
}

/// Refuses an output that is the database itself (`--force` would
/// replace it).
pub fn refuse_database(output: &Path, database: &Path) -> anyhow::Result<()> {
    let same = match (output.canonicalize(), database.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    anyhow::ensure!(!same, "{} is the database itself; choose another output file", output.display());
    Ok(())
}

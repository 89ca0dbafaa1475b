//! `backup`: a consistent copy of a live SQLite database.

use anyhow::Context;
use sshkeyd::store::{DatabaseUrl, backup_sqlite};

use crate::cli::BackupArgs;
use crate::output_file::{OutputFile, refuse_database};

pub fn run(args: BackupArgs) -> anyhow::Result<()> {
    let path = match args.database.url() {
        DatabaseUrl::Sqlite(path) => path,
        DatabaseUrl::Postgres(_) => anyhow::bail!(
            "backup copies SQLite databases; back up PostgreSQL with pg_dump (pg_dump -Fc, restored with \
             pg_restore) or with `sshkeyd export` (see the README, \"Backups and moving between backends\")"
        ),
    };
    anyhow::ensure!(path.is_file(), "no SQLite database at {}", path.display());
    refuse_database(&args.output, &path)?;
    let (output, file) = OutputFile::create(&args.output, args.force)?;
    drop(file);
    let failed = || format!("backup failed; {} was not written", args.output.display());
    backup_sqlite(&path, output.temp_path()).with_context(failed)?;
    output.commit().with_context(failed)?;
    eprintln!("copied {} to {} (integrity_check: ok)", path.display(), args.output.display());
    Ok(())
}

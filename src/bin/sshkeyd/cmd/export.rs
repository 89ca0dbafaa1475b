//! `export`: the whole store as JSON Lines, to a file or standard output.

use std::io::{self, BufWriter};

use anyhow::Context;
use sshkeyd::store::DatabaseUrl;
use sshkeyd::store::archive::{self, Dump, Summary};

use crate::cli::ExportArgs;
use crate::output_file::{OutputFile, refuse_database};

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let url = args.database.url();
    match &args.output {
        Some(path) => {
            // The output is checked before the database is opened.
            if let DatabaseUrl::Sqlite(db) = &url {
                refuse_database(path, db)?;
            }
            let output = OutputFile::create(path, args.force)?;
            let mut source = archive::open_dump(&url).await?;
            let summary = to_file(source.as_mut(), output)
                .await
                .with_context(|| format!("export failed; {} was not written", path.display()))?;
            eprintln!("exported {summary} from {url} to {}", path.display());
        }
        None => {
            let mut source = archive::open_dump(&url).await?;
            let summary = archive::export(source.as_mut(), BufWriter::new(io::stdout()))
                .await
                .context("export failed; standard output has an incomplete export")?;
            eprintln!("exported {summary} from {url}");
        }
    }
    Ok(())
}

/// Writes the export into the temporary file and moves it into place.
async fn to_file(source: &mut dyn Dump, (output, file): (OutputFile, std::fs::File)) -> anyhow::Result<Summary> {
    let summary = archive::export(source, BufWriter::new(file)).await?;
    output.commit()?;
    Ok(summary)
}

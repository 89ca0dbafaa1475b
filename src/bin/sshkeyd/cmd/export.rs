//! `export`: the whole store as JSON Lines, to a file or standard output.

use std::io::{self, BufWriter};

use anyhow::Context;
use sshkeyd::store::DatabaseUrl;
use sshkeyd::store::archive;

use crate::cli::ExportArgs;
use crate::output_file::{OutputFile, refuse_database};

pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    let url = args.database.url();
    // The output is checked before the database is opened.
    let output = match &args.output {
        Some(path) => {
            if let DatabaseUrl::Sqlite(db) = &url {
                refuse_database(path, db)?;
            }
            Some(OutputFile::create(path, args.force)?)
        }
        None => None,
    };
    let mut source = archive::open_dump(&url).await?;
    match output {
        Some((output, file)) => {
            let path = args.output.as_deref().unwrap_or(output.temp_path()).display().to_string();
            let summary = archive::export(source.as_mut(), BufWriter::new(file))
                .await
                .with_context(|| format!("export failed; {path} was not written"))?;
            output.commit().with_context(|| format!("export failed; {path} was not written"))?;
            eprintln!("exported {summary} from {url} to {path}");
        }
        None => {
            let summary = archive::export(source.as_mut(), BufWriter::new(io::stdout()))
                .await
                .context("export failed; standard output has an incomplete export")?;
            eprintln!("exported {summary} from {url}");
        }
    }
    Ok(())
}

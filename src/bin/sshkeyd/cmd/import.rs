//! `import`: an export into an empty database, all or nothing.

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use anyhow::Context;
use sshkeyd::store::archive;

use crate::cli::ImportArgs;

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    // The input is opened first: a missing file must not create a database.
    let input: Box<dyn BufRead + Send> = match &args.input {
        Some(path) => {
            anyhow::ensure!(!path.is_dir(), "the input {} is a directory, not an export file", path.display());
            let file = File::open(path).with_context(|| format!("cannot read the input file {}", path.display()))?;
            Box::new(BufReader::new(file))
        }
        None => Box::new(BufReader::new(io::stdin())),
    };
    let url = args.database.url();
    let mut target = archive::open_restore(&url).await?;
    let summary = archive::import(target.as_mut(), input).await.context("nothing was imported")?;
    eprintln!("imported {summary} into {url}");
    Ok(())
}

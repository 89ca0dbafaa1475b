//! Backups and moves between backends, as operators run them: the real
//! `sshkeyd export`, `import` and `backup` next to live servers. `moves`
//! carries a populated store from SQLite to PostgreSQL and back and
//! compares every answer; `live` exports and backs up while keys are being
//! created; `refusals` feeds every command bad input and checks that
//! nothing was written.
//!
//! The PostgreSQL parts are skipped, like the store suite's, when
//! `SSHKEYD_TEST_POSTGRES` is unset (and fail when it is required).

mod fixture;
mod live;
mod moves;
mod refusals;
mod writer;

use std::path::Path;
use std::process::Output;

use sshkeyd::store::DatabaseUrl;
use sshkeyd::store::archive::DATA_TABLES;

use crate::helpers::scalar;
use crate::serve::sshkeyd;

/// Runs `sshkeyd ARGS` on a blocking thread (the test's servers and
/// writers keep running on the runtime meanwhile).
pub async fn run(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || sshkeyd(&args.iter().map(String::as_str).collect::<Vec<_>>()).output())
        .await
        .unwrap()
        .expect("running sshkeyd")
}

/// Runs `sshkeyd ARGS` and asserts it succeeded.
pub async fn succeeds(args: &[&str]) -> Output {
    let out = run(args).await;
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    out
}

/// Runs `sshkeyd ARGS`, asserts it failed and returns what it said.
pub async fn fails(args: &[&str]) -> String {
    let out = run(args).await;
    assert!(!out.status.success(), "{args:?} succeeded: {}", stderr(&out));
    stderr(&out)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The record lines of an export file: all but the header.
pub fn records(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().is_some_and(|h| h.starts_with(r#"{"kind":"header","format":1,"#)), "header first");
    lines.map(str::to_owned).collect()
}

/// How many lines differ between two exports' records (position by
/// position, plus any surplus), printed for the record.
pub fn differences(what: &str, a: &[String], b: &[String]) -> usize {
    let differing = a.iter().zip(b).filter(|(x, y)| x != y).count() + a.len().abs_diff(b.len());
    println!("{what}: {} record lines, {differing} differences", a.len());
    differing
}

/// Rows in each table holding data, read straight from the database.
pub async fn row_counts(database: &DatabaseUrl) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in DATA_TABLES {
        counts.push((table, scalar(database, &format!("SELECT count(*) FROM {table}")).await));
    }
    counts
}

/// The database URL as the command line takes it.
pub fn url_text(database: &DatabaseUrl) -> String {
    match database {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// Files in `dir` whose names start with `.` (temporary outputs).
pub fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

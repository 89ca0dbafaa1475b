//! Bad input to export, import and backup: each is refused with a message
//! naming the problem, and nothing is left half-written: no database with
//! part of a file in it, no truncated output file.

use serde_json::json;
use sshkeyd::config::Settings;
use sshkeyd::store::DatabaseUrl;

use super::{fails, hidden_files, row_counts, succeeds, url_text};
use crate::helpers::{TestApp, scalar};
use crate::store_suite::pg::TestDatabase;

/// A store in `dir` with three keys, served, and its export.
async fn small_export(dir: &std::path::Path) -> (TestApp, std::path::PathBuf) {
    let database = Some(DatabaseUrl::Sqlite(dir.join("source.db")));
    let app = TestApp::spawn_with(Settings { database, ..Default::default() }).await;
    let token = app.token("alice", &[1]).await;
    for name in ["one", "two", "three"] {
        assert_eq!(app.create_key(&token, 1, json!({"name": name})).await.status, 201);
    }
    let file = dir.join("good.jsonl");
    succeeds(&["export", "--database", &url_text(&app.database), "--output", file.to_str().unwrap()]).await;
    (app, file)
}

/// Writes `lines` to `name` in `dir`.
fn write(dir: &std::path::Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_fails_on_the_last_line_leaves_the_database_empty_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let (app, good) = small_export(dir.path()).await;
    app.stop().await;
    let lines: Vec<String> = std::fs::read_to_string(&good).unwrap().lines().map(str::to_owned).collect();
    let n = lines.len();
    let mut bad_action = lines.clone();
    bad_action[n - 1] = bad_action[n - 1].replace(r#""action":"create""#, r#""action":"rename""#);
    let mut cut_short = lines.clone();
    let half = cut_short[n - 1].len() / 2;
    cut_short[n - 1].truncate(half);
    let cases = [
        (write(dir.path(), "bad-action.jsonl", &bad_action), format!("line {n}: audit event")),
        (write(dir.path(), "cut-short.jsonl", &cut_short), format!("line {n}: not JSON")),
    ];
    let postgres = TestDatabase::for_test("import_fails_on_the_last_line").await;
    let mut targets = vec![DatabaseUrl::Sqlite(dir.path().join("target.db"))];
    targets.extend(postgres.as_ref().map(|db| DatabaseUrl::parse(&db.url).unwrap()));
    for target in &targets {
        for (file, reason) in &cases {
            let message = fails(&["import", "--database", &url_text(target), "--input", file]).await;
            assert!(message.contains(&format!("nothing was imported: {reason}")), "{target}: {message}");
            let counts = row_counts(target).await;
            assert!(counts.iter().all(|(_, n)| *n == 0), "{target} stays empty: {counts:?}");
        }
        // The same file, whole, goes in.
        succeeds(&["import", "--database", &url_text(target), "--input", good.to_str().unwrap()]).await;
        assert_eq!(scalar(target, "SELECT count(*) FROM ssh_keys").await, 3, "{target}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_into_a_database_that_is_not_empty_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (app, good) = small_export(dir.path()).await;
    let before = row_counts(&app.database).await;
    let message = fails(&["import", "--database", &url_text(&app.database), "--input", good.to_str().unwrap()]).await;
    assert!(message.contains("the database is not empty (it holds users: 2, projects: 1, tokens: 2"), "{message}");
    assert_eq!(row_counts(&app.database).await, before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_fails_part_way_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = small_export(dir.path()).await;
    let database = app.database.clone();
    app.stop().await;
    // A row the export cannot read, after rows it has already written.
    let DatabaseUrl::Sqlite(db) = &database else { unreachable!() };
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute("UPDATE audit_events SET request_id = x'ff00' WHERE id = (SELECT max(id) FROM audit_events)", [])
        .unwrap();
    drop(conn);
    let out = dir.path().join("failed.jsonl");
    let message = fails(&["export", "--database", &url_text(&database), "--output", out.to_str().unwrap()]).await;
    assert!(message.contains("export failed; ") && message.contains("was not written"), "{message}");
    assert!(!out.exists(), "no output file");
    assert_eq!(hidden_files(dir.path()), Vec::<String>::new(), "no temporary file left");
    let existing = dir.path().join("good.jsonl");
    let kept = std::fs::read(&existing).unwrap();
    fails(&["export", "--database", &url_text(&database), "--output", existing.to_str().unwrap(), "--force"]).await;
    assert_eq!(std::fs::read(&existing).unwrap(), kept, "--force replaces a file only with a complete export");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_names_what_is_wrong_with_its_arguments_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (app, good) = small_export(dir.path()).await;
    let db = url_text(&app.database);
    app.stop().await;
    let d = dir.path().display().to_string();
    let good = good.to_str().unwrap();
    let kept = std::fs::read(good).unwrap();
    let unreachable = "postgres://sshkeyd:secret@127.0.0.1:1/sshkeyd";
    let (missing_db, new_db, no_dir_db) =
        (format!("sqlite://{d}/missing.db"), format!("sqlite://{d}/new.db"), format!("sqlite://{d}/no/new.db"));
    let (missing_input, no_dir_output, copy, no_dir_copy) =
        (format!("{d}/missing.jsonl"), format!("{d}/no/x.jsonl"), format!("{d}/copy.db"), format!("{d}/no/copy.db"));
    let db_path = &db["sqlite://".len()..];
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["export", "--database", "mysql://db"], "database URL must start with sqlite:// or postgres://".into()),
        (vec!["export", "--database", &missing_db], format!("no SQLite database at {d}/missing.db")),
        (vec!["export", "--database", unreachable], "connecting to PostgreSQL: error connecting to server".into()),
        (
            vec!["export", "--database", &db, "--output", good],
            format!("{good} already exists; pass --force to replace it"),
        ),
        (
            vec!["export", "--database", &db, "--output", &no_dir_output],
            format!("the output directory {d}/no does not exist"),
        ),
        (vec!["export", "--database", &db, "--force"], "--output".into()),
        (
            vec!["import", "--database", &new_db, "--input", &missing_input],
            format!("cannot read the input file {missing_input}"),
        ),
        (vec!["import", "--database", &new_db, "--input", &d], format!("the input {d} is a directory")),
        (
            vec!["import", "--database", &no_dir_db, "--input", good],
            format!("the database directory {d}/no does not exist"),
        ),
        (vec!["import", "--database", unreachable, "--input", good], "connecting to PostgreSQL".into()),
        (vec!["backup", "--database", unreachable, &copy], "pg_dump".into()),
        (vec!["backup", "--database", &missing_db, &copy], format!("no SQLite database at {d}/missing.db")),
        (vec!["backup", "--database", &db, good], format!("{good} already exists; pass --force to replace it")),
        (vec!["backup", "--database", &db, &no_dir_copy], format!("the output directory {d}/no does not exist")),
        (vec!["backup", "--database", &db, db_path, "--force"], "is the database itself".into()),
    ];
    for (args, expected) in cases {
        let message = fails(&args).await;
        assert!(message.contains(&expected), "{args:?}: {message}");
        assert!(!message.contains("secret"), "{args:?}: the password is never shown");
    }
    assert_eq!(std::fs::read(good).unwrap(), kept, "an existing output is left alone");
    for absent in ["missing.db", "new.db", "copy.db", "no"] {
        assert!(!dir.path().join(absent).exists(), "{absent} was created");
    }
    assert_eq!(hidden_files(dir.path()), Vec::<String>::new(), "no temporary file left");
    succeeds(&["export", "--database", &db, "--output", good, "--force"]).await;
    assert_ne!(std::fs::read(good).unwrap(), kept, "--force replaces it (the header's time differs)");
}

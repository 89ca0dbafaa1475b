//! Copies of a store taken while keys are being created: the backup and
//! the export each hold one consistent moment, including every key
//! acknowledged before they started.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;

use sshkeyd::config::Settings;
use sshkeyd::store::DatabaseUrl;

use super::writer::Writer;
use super::{hidden_files, records, succeeds, url_text};
use crate::helpers::{TestApp, scalar};
use crate::store_suite::pg::TestDatabase;

/// A server on `database` whose quota the writer will not reach.
async fn serve(database: Option<DatabaseUrl>) -> TestApp {
    TestApp::spawn_with(Settings { database, max_keys_per_project: Some(100_000), ..Default::default() }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_keys_are_being_created_holds_every_acknowledged_key_and_serves_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    let app = serve(Some(DatabaseUrl::Sqlite(live.clone()))).await;
    let token = app.token("alice", &[1]).await;
    let writer = Writer::start(&app.base, &token, 1);
    writer.wait_for(50).await;
    let before = writer.acked();
    let copy = dir.path().join("copy.db");
    succeeds(&["backup", "--database", &url_text(&app.database), copy.to_str().unwrap()]).await;
    let during = writer.acked().len();
    writer.wait_for(during + 20).await;
    let all = writer.stop().await;
    app.stop().await;

    let conn = rusqlite::Connection::open(&copy).unwrap();
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(verdict, "ok");
    let mut stmt = conn.prepare("SELECT lower(hex(id)) FROM ssh_keys").unwrap();
    let ids: HashSet<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    for id in &before {
        assert!(ids.contains(&id.replace('-', "")), "key {id}, acknowledged before the backup, is in the copy");
    }
    assert!(ids.len() >= before.len() && ids.len() < all.len(), "{} in the copy of {} created", ids.len(), all.len());
    let counted: i64 = conn.query_row("SELECT key_count FROM projects WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(counted as usize, ids.len(), "the counters are from the same moment as the keys");
    drop(stmt);
    drop(conn);
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    let beside: Vec<String> = ["-wal", "-journal"].iter().map(|s| format!("copy.db{s}")).collect();
    assert!(beside.iter().all(|f| !dir.path().join(f).exists()), "one self-contained file");
    assert_eq!(hidden_files(dir.path()), Vec::<String>::new(), "no temporary file left");

    // The copy serves as it is, with the same token.
    let restored = serve(Some(DatabaseUrl::Sqlite(copy))).await;
    let listed = restored.list_keys(&token, 1, "limit=1000").await;
    assert_eq!(listed.body["count"], ids.len());
    for id in before.iter().step_by(10) {
        assert_eq!(restored.get_key(&token, 1, id).await.status, 200, "{id}");
    }
    restored.stop().await;
}

/// Exports `database` while a writer creates keys on `app`, then checks the
/// file: it imports (so its counters agree with its keys: one snapshot)
/// and holds every key acknowledged before the export started.
async fn export_while_writing(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let token = app.token("alice", &[1]).await;
    let writer = Writer::start(&app.base, &token, 1);
    writer.wait_for(30).await;
    let before = writer.acked();
    let file = dir.path().join("live.jsonl");
    succeeds(&["export", "--database", &url_text(&app.database), "--output", file.to_str().unwrap()]).await;
    let during = writer.acked().len();
    writer.wait_for(during + 20).await;
    let all = writer.stop().await;

    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "holds token hashes");
    let lines = records(&file);
    let exported: HashSet<&str> =
        lines.iter().filter(|l| l.starts_with(r#"{"kind":"key","#)).map(|l| l.split('"').nth(7).unwrap()).collect();
    assert!(before.iter().all(|id| exported.contains(id.as_str())), "every key acknowledged before is exported");
    assert!(exported.len() < all.len(), "the writer went on during and after the export");
    let target = DatabaseUrl::Sqlite(dir.path().join("imported.db"));
    succeeds(&["import", "--database", &url_text(&target), "--input", file.to_str().unwrap()]).await;
    assert_eq!(scalar(&target, "SELECT key_count FROM projects WHERE id = 1").await as usize, exported.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_a_sqlite_store_taken_while_keys_are_being_created_is_one_consistent_snapshot() {
    let app = serve(None).await;
    export_while_writing(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_a_postgres_store_taken_while_keys_are_being_created_is_one_consistent_snapshot() {
    let Some(db) = TestDatabase::for_test("export_while_writing").await else { return };
    let app = serve(Some(DatabaseUrl::parse(&db.url).unwrap())).await;
    export_while_writing(&app).await;
    app.stop().await;
}

//! Moving a store between backends: export from a serving node, import
//! into an empty database, serve it, and every token, key, page and
//! `authorized_keys` answer is what it was.

use serde_json::json;
use sshkeyd::config::Settings;
use sshkeyd::store::DatabaseUrl;

use super::fixture::{observe, populate};
use super::{differences, records, succeeds, url_text};
use crate::helpers::TestApp;
use crate::store_suite::pg::TestDatabase;

/// A server on `database`.
async fn serve(database: &DatabaseUrl) -> TestApp {
    TestApp::spawn_with(Settings { database: Some(database.clone()), ..Default::default() }).await
}

/// Populates `from`, moves it to `to` (an empty database) and checks that
/// nothing changed on the way.
async fn moved(from: DatabaseUrl, to: DatabaseUrl) {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.jsonl"), dir.path().join("second.jsonl"));
    let source = serve(&from).await;
    let holders = populate(&source).await;
    let before = observe(&source, &holders).await;
    // While the source serves.
    succeeds(&["export", "--database", &url_text(&from), "--output", first.to_str().unwrap()]).await;
    source.stop().await;

    let out = succeeds(&["import", "--database", &url_text(&to), "--input", first.to_str().unwrap()]).await;
    assert!(super::stderr(&out).contains("3 projects, ") && super::stderr(&out).contains(" 11 keys, 16 audit events"));
    succeeds(&["export", "--database", &url_text(&to), "--output", second.to_str().unwrap()]).await;
    let (a, b) = (records(&first), records(&second));
    assert_eq!(differences(&format!("{from} -> {to}"), &a, &b), 0, "export -> import -> export");
    assert_eq!(a, b);

    let target = serve(&to).await;
    let after = observe(&target, &holders).await;
    assert_eq!(before.len(), after.len());
    for ((what, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{what}");
    }
    let answered = |status: &str| before.iter().filter(|(_, r)| r.starts_with(status)).count();
    println!("{from} -> {to}: {} answers identical ({} 200, {} 401)", before.len(), answered("200"), answered("401"));
    assert!(answered("200") > 150 && answered("401") > 10, "the comparison covers real pages and the revoked token");

    // The move is complete: new users, keys and audit events continue after
    // the imported ids.
    let frank = target.token("frank", &[1]).await;
    let created = target.create_key(&frank, 1, json!({"name": "after-the-move"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(target.list_keys(&frank, 1, "").await.body["count"], 4, "3 shared keys before, and frank's");
    target.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_moved_from_sqlite_to_sqlite_reads_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    moved(DatabaseUrl::Sqlite(dir.path().join("from.db")), DatabaseUrl::Sqlite(dir.path().join("to.db"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_moved_from_sqlite_to_postgres_serves_every_token_key_and_page_as_before() {
    let Some(db) = TestDatabase::for_test("sqlite_to_postgres").await else { return };
    let dir = tempfile::tempdir().unwrap();
    moved(DatabaseUrl::Sqlite(dir.path().join("from.db")), DatabaseUrl::parse(&db.url).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_moved_from_postgres_to_sqlite_serves_every_token_key_and_page_as_before() {
    let Some(db) = TestDatabase::for_test("postgres_to_sqlite").await else { return };
    let dir = tempfile::tempdir().unwrap();
    moved(DatabaseUrl::parse(&db.url).unwrap(), DatabaseUrl::Sqlite(dir.path().join("to.db"))).await;
}

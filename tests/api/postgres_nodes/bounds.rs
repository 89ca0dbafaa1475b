//! The PostgreSQL store on its own: startup migrations racing across
//! nodes, and every wait on the database ending in bounded time.

use std::time::{Duration, Instant};

use sshkeyd::domain::{KeyId, NewKey, ProjectId, Timestamp, UserId};
use sshkeyd::store::{self, DatabaseUrl, PoolOptions, StoreError};
use tokio::task::JoinSet;
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::helpers::{migration_count, scalar, user_name};
use crate::store_suite::fixture::{audit, new_key};
use crate::store_suite::pg::TestDatabase;

fn options(statement_timeout: Duration) -> PoolOptions {
    PoolOptions {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        statement_timeout,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_nodes_migrating_one_fresh_database_at_once_all_start() {
    let Some(db) = TestDatabase::for_test("eight_nodes_migrating").await else { return };
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let mut opening = JoinSet::new();
    for _ in 0..8 {
        let url = url.clone();
        opening.spawn(async move { store::open(&url, &PoolOptions::default()).await.map(|_| ()) });
    }
    for opened in opening.join_all().await {
        opened.expect("every node starts");
    }
    let (applied, latest) = (
        scalar(&url, "SELECT count(*) FROM schema_migrations").await,
        scalar(&url, "SELECT max(version) FROM schema_migrations").await,
    );
    let count = migration_count("postgres");
    assert_eq!((applied, latest), (count, count), "every migration was applied, each once");
}

#[tokio::test]
async fn an_unreachable_database_fails_fast_without_revealing_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = DatabaseUrl::parse(&format!("postgres://sshkeyd:hunter2secret@127.0.0.1:{port}/keys")).unwrap();
    let started = Instant::now();
    let error = store::open(&url, &options(Duration::from_secs(1))).await.err().expect("nothing listens there");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let text = format!("{error:?} / {error:#}");
    assert!(!text.contains("hunter2secret"), "the password leaked: {text}");
    assert!(text.contains("127.0.0.1"), "the error says where: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_stuck_behind_a_lock_gives_unavailable_after_the_statement_timeout() {
    let Some(db) = TestDatabase::for_test("a_write_stuck_behind_a_lock").await else { return };
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let store = store::open(&url, &options(Duration::from_millis(500))).await.unwrap();
    sshkeyd::tokens::issue_token(store.as_ref(), &user_name("alice"), &[ProjectId(1)], None).await.unwrap();
    let alice = store.ensure_user(&user_name("alice")).await.unwrap();

    // Another session holds project 1's counter row, as a stuck node would.
    let (holder, connection) = tokio_postgres::connect(&db.url, NoTls).await.unwrap();
    let driver = tokio::spawn(connection);
    holder.batch_execute("BEGIN; SELECT key_count FROM projects WHERE id = 1 FOR UPDATE").await.unwrap();

    let started = Instant::now();
    let stuck = store.create_key(key(alice), 100, audit(alice)).await;
    let waited = started.elapsed();
    // The server cancels the statement (SQLSTATE 57014) at 500 ms, well
    // before the client-side operation deadline (2 s) would give up.
    let Err(StoreError::Unavailable(cause)) = stuck else { panic!("got {stuck:?}") };
    assert!(cause.contains("57014"), "cancelled by the statement timeout: {cause}");
    assert!(waited < Duration::from_millis(1500), "gave up after {waited:?}");

    holder.batch_execute("ROLLBACK").await.unwrap();
    drop(holder);
    let _ = driver.await;
    store.create_key(key(alice), 100, audit(alice)).await.expect("the same write works now");
    assert_eq!(scalar(&url, "SELECT count(*) FROM ssh_keys").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_database_server_gives_unavailable_at_the_deadline_and_the_connection_is_replaced() {
    let Some(db) = TestDatabase::for_test("a_frozen_database_server").await else { return };
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let pool = PoolOptions { max_connections: 1, ..options(Duration::from_millis(300)) };
    let store = store::open(&url, &pool).await.unwrap();
    store.ping().await.expect("the pool's one connection is open");
    let backend = backend_pid(&db.url).await;
    // SIGSTOP freezes the server process behind the pooled connection: the
    // socket stays open but nothing answers, so the server-side statement
    // timeout cannot help and only the client-side deadline (1.6 s) can.
    if !signal("STOP", backend) {
        // scripts/test's cluster is local: there the test must run.
        assert_ne!(std::env::var("SSHKEYD_REQUIRE_POSTGRES").as_deref(), Ok("1"), "cannot signal the server");
        println!("a_frozen_database_server: skipped, cannot signal the server (not a local cluster?)");
        return;
    }
    let started = Instant::now();
    let frozen = store.ping().await;
    let waited = started.elapsed();
    signal("CONT", backend);
    let Err(StoreError::Unavailable(cause)) = frozen else { panic!("got {frozen:?}") };
    assert!(cause.contains("did not answer"), "the client-side deadline fired: {cause}");
    assert!(waited < Duration::from_secs(3), "gave up after {waited:?}");
    store.ping().await.expect("a new connection replaces the frozen one");
    assert_ne!(backend_pid(&db.url).await, backend, "the frozen connection was discarded");
}

/// The server process serving the store's one pooled connection. A
/// discarded connection's process may linger for a moment after it is
/// resumed, so this waits (at most a second) until exactly one is left.
async fn backend_pid(url: &str) -> i32 {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    let driver = tokio::spawn(connection);
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sshkeyd'";
    let mut pids: Vec<i32> = Vec::new();
    for _ in 0..50 {
        pids = client.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
        if pids.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(client);
    let _ = driver.await;
    assert_eq!(pids.len(), 1, "one pooled connection: {pids:?}");
    pids[0]
}

fn signal(name: &str, pid: i32) -> bool {
    let status = std::process::Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).status();
    status.is_ok_and(|s| s.success())
}

fn key(owner: UserId) -> NewKey {
    new_key(1, owner, "waits-for-lock", true, Timestamp::now(), KeyId(Uuid::new_v4()))
}

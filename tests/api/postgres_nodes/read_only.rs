//! A primary that turns read-only under a running node (what a demoted or
//! fenced primary looks like): writes get 503, never 500, and the
//! connections that saw it are not reused, so the node writes again as
//! soon as a writable server is there, without a restart.

use sshkeyd::domain::{KeyId, Timestamp};
use sshkeyd::store::{self, DatabaseUrl, PoolOptions, StoreError};
use uuid::Uuid;

use crate::helpers::{scalar, user_name};
use crate::serve::create_token;
use crate::store_suite::fixture::{audit, new_key};
use crate::store_suite::pg::{self, TestDatabase};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_to_a_read_only_primary_are_unavailable_and_its_connections_are_dropped() {
    let Some(db) = TestDatabase::for_test("writes_to_a_read_only_primary").await else { return };
    // One connection, so a kept read-only connection would be used again.
    let options = PoolOptions { max_connections: 1, ..PoolOptions::default() };
    create_token(&db.url, "alice", &[1], &[]);
    let store = store::open(&DatabaseUrl::parse(&db.url).unwrap(), &options).await.unwrap();
    let owner = store.ensure_user(&user_name("alice")).await.unwrap();
    let create = |name: &str| {
        let key = new_key(1, owner, name, true, Timestamp::now(), KeyId(Uuid::new_v4()));
        let store = store.clone();
        async move { store.create_key(key, 100, audit(owner)).await }
    };
    create("before").await.expect("a writable primary takes writes");

    // New sessions are read-only; the open one is ended, as a demotion would.
    let (admin, name) = (db.admin(), db.name());
    pg::execute(admin, &format!("ALTER DATABASE {name} SET default_transaction_read_only = on")).await;
    pg::execute(
        admin,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"),
    )
    .await;
    let mut read_only_seen = false;
    for attempt in 0..3 {
        match create(&format!("refused-{attempt}")).await {
            Err(StoreError::Unavailable(why)) => read_only_seen |= why.contains("25006"),
            other => panic!("attempt {attempt}: a write on a read-only server is unavailable, got {other:?}"),
        }
    }
    assert!(read_only_seen, "a new connection reached the read-only server and got 25006");

    // Writable again, with no connection ended: only a new connection sees it.
    pg::execute(admin, &format!("ALTER DATABASE {name} RESET default_transaction_read_only")).await;
    create("after").await.expect("the read-only connection was not kept: a new one writes");
    let count = scalar(&DatabaseUrl::parse(&db.url).unwrap(), "SELECT count(*) FROM ssh_keys").await;
    assert_eq!(count, 2, "only the writes that succeeded are stored");
}

//! A key write whose COMMIT answer is lost, end to end through a node: the
//! node looks the write up and answers what happened, never an error after
//! a commit.
//!
//! Two ways to lose COMMIT's answer, each made on purpose in a cluster of
//! the test's own, and the session ended with `pg_terminate_backend` while
//! it is inside COMMIT:
//! - committed locally, answer never sent: a synchronous standby that does
//!   not exist (`synchronous_standby_names = 'ghost'`) holds every commit in
//!   its wait for the standby, after the local commit. A session ended
//!   there has committed, and closes without a word. The node must answer
//!   201, 200 or 204, and the change must be there.
//! - failed inside COMMIT: a deferred trigger that sleeps runs at COMMIT,
//!   before anything is committed; the session ended there sends FATAL and
//!   rolls back. The node must answer 503, and nothing must be stored.
//!
//! And a commit the standby never acknowledges is never answered 2xx: the
//! statement timeout does not cut COMMIT's wait short (PostgreSQL would
//! report that as a success, for a commit only on the primary).

use std::time::Duration;

use axum::http::Method;
use serde_json::json;
use tokio_postgres::NoTls;

use super::cluster::OwnCluster;
use super::node::{self, Answer, client, create_key, send};
use crate::helpers::scalar;
use crate::serve::create_token;
use crate::store_suite::pg;
use sshkeyd::store::DatabaseUrl;

/// Creates whose name starts with `slow-` sleep in COMMIT, before committing.
const SLOW_COMMIT: &str = "
    CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.name LIKE 'slow-%' THEN PERFORM pg_sleep(30); END IF;
        RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON ssh_keys
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
    ALTER DATABASE sshkeyd SET synchronous_commit = on;";

/// Ends the node's session once it waits inside a commit on `wait_event`
/// (`SyncRep` after the local commit, `PgSleep` before it); polls for at
/// most 10 s.
async fn end_session_in_commit(admin: &str, wait_event: &str) {
    let (client, connection) = tokio_postgres::connect(admin, NoTls).await.unwrap();
    tokio::spawn(connection);
    // Creates commit their batch statement itself (autocommit); other
    // writes send COMMIT.
    let find = "SELECT pid FROM pg_stat_activity WHERE datname = 'sshkeyd' AND wait_event = $1 \
                AND (query = 'COMMIT' OR query LIKE 'SELECT sshkeyd_create_keys(%')";
    for _ in 0..200 {
        if let Some(row) = client.query_opt(find, &[&wait_event]).await.unwrap() {
            let pid: i32 = row.get(0);
            client.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no session waited in COMMIT on {wait_event} within 10 s");
}

/// Sends a request in a task of its own and ends its session inside COMMIT.
async fn with_commit_cut(
    admin: &str,
    wait_event: &str,
    request: impl Future<Output = Answer> + Send + 'static,
) -> Answer {
    let answer = tokio::spawn(request);
    end_session_in_commit(admin, wait_event).await;
    tokio::time::timeout(node::CLIENT_TIMEOUT, answer).await.expect("answered in time").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_whose_commit_answer_is_lost_is_answered_by_what_the_database_holds() {
    if pg::admin_url("a_write_whose_commit_answer_is_lost").is_none() {
        return;
    }
    let cluster = OwnCluster::start();
    pg::execute(&cluster.url, "CREATE DATABASE sshkeyd").await;
    let url = pg::with_database(&cluster.url, "sshkeyd");
    let (token, _) = create_token(&url, "alice", &[1], &[]);
    pg::execute(&url, SLOW_COMMIT).await;
    pg::execute(&cluster.url, "ALTER SYSTEM SET synchronous_standby_names = 'ghost'").await;
    pg::execute(&cluster.url, "SELECT pg_reload_conf()").await;
    let logs = tempfile::tempdir().unwrap();
    // A 1 s statement timeout: 3 s operation deadline, 3 s for the lookup.
    let server = node::start(&url, &["--db-statement-timeout", "1s"], logs.path()).await;
    let database = DatabaseUrl::parse(&url).unwrap();
    let count = |name: &str| {
        let (database, sql) = (database.clone(), format!("SELECT count(*) FROM ssh_keys WHERE name = '{name}'"));
        async move { scalar(&database, &sql).await }
    };
    let (base, admin) = (server.base.clone(), cluster.url.clone());
    let create = |name: &'static str| {
        let (base, token) = (base.clone(), token.clone());
        async move { create_key(&client(), &base, &token, 1, name).await.unwrap() }
    };

    // Failed inside COMMIT: 503, nothing stored.
    let refused = with_commit_cut(&admin, "PgSleep", create("slow-rolled-back")).await;
    assert_eq!(refused.status, 503, "{}", refused.body);
    refused.assert_error("ServiceUnavailableError");
    assert_eq!(count("slow-rolled-back").await, 0, "a 503 means nothing was stored");

    // Committed, answer lost: the create's 201, the key stored.
    let created = with_commit_cut(&admin, "SyncRep", create("answer-lost")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["name"], "answer-lost");
    assert_eq!(count("answer-lost").await, 1, "the 201 key is stored");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let key_url = format!("{base}/cloud/v1/ssh_keys/1/{id}");

    // The same for a share change and a delete.
    let unshare = client().request(Method::PATCH, key_url.clone()).json(&json!({"shared_in_project": false}));
    let token_for_patch = token.clone();
    let changed =
        with_commit_cut(&admin, "SyncRep", async move { send(unshare, &token_for_patch).await.unwrap() }).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["shared_in_project"], false, "{}", changed.body);
    let shared = scalar(&database, &format!("SELECT count(*) FROM ssh_keys WHERE id = '{id}' AND NOT shared")).await;
    assert_eq!(shared, 1, "the unshare is stored");
    let delete = client().delete(key_url);
    let token_for_delete = token.clone();
    let deleted =
        with_commit_cut(&admin, "SyncRep", async move { send(delete, &token_for_delete).await.unwrap() }).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(count("answer-lost").await, 0, "the delete is stored");

    // Never acknowledged: not a 2xx, though the statement timeout passes.
    let started = std::time::Instant::now();
    let waiting = create("never-acknowledged").await;
    assert_eq!(waiting.status, 503, "{}", waiting.body);
    waiting.assert_error("ServiceUnavailableError");
    assert!(started.elapsed() >= Duration::from_secs(3), "answered at the deadline: {:?}", started.elapsed());
    assert_eq!(count("never-acknowledged").await, 0, "nothing visible while the standby has not acknowledged");

    let log = server.log_text();
    assert_eq!(log.matches("a batch's commit was in doubt; settled").count(), 2, "{log}");
    assert_eq!(log.matches("a batch's commit is in doubt and could not be settled").count(), 1, "{log}");
    assert_eq!(log.matches("the answer to a COMMIT was lost").count(), 2, "{log}");
    drop(server);
}

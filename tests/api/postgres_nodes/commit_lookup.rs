//! The lookup that settles a key write whose COMMIT answer was lost
//! (`resolve_commit_outcome`), against a real database: it finds committed
//! writes, reports absent ones, and, while the write's transaction is still
//! running, waits for it to end instead of reading "absent" too early.

use std::time::Duration;

use sshkeyd::domain::{KeyId, ProjectId, SshKey, Timestamp, UserId};
use sshkeyd::store::commit_outcome::{CommitOutcome, KeyWrite, resolve_commit_outcome};
use tokio_postgres::{Client, Config, NoTls};
use uuid::Uuid;

use crate::serve::create_token;
use crate::store_suite::pg::TestDatabase;

/// How long a lookup is given; the waits below are far shorter.
const WITHIN: Duration = Duration::from_secs(10);
/// How long a lookup must still be waiting while the write's transaction runs.
const STILL_WAITING: Duration = Duration::from_millis(300);

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A key row (its text need not be a real key: the lookup compares fields).
fn key(owner: UserId, name: &str) -> SshKey {
    SshKey {
        id: KeyId(Uuid::new_v4()),
        project: ProjectId(1),
        owner,
        name: name.to_owned(),
        public_key: format!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 {name}"),
        fingerprint: "00:11".to_owned(),
        fingerprint_sha256: "SHA256:x".to_owned(),
        shared: true,
        created_at: Timestamp::now(),
    }
}

/// Inserts `key` and takes its project's counter row, as a create does,
/// inside the transaction that `writer` has open.
async fn insert(writer: &Client, key: &SshKey) {
    writer
        .execute(
            "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, shared, created_at, \
             fingerprint_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &key.id.0,
                &key.project.0,
                &key.owner.0,
                &key.name,
                &key.public_key,
                &key.fingerprint,
                &key.shared,
                &key.created_at.0,
                &key.fingerprint_sha256,
            ],
        )
        .await
        .unwrap();
    writer.execute("UPDATE projects SET key_count = key_count + 1 WHERE id = $1", &[&key.project.0]).await.unwrap();
}

/// Starts a lookup of `write`, checks that it is still waiting while the
/// writer's transaction runs, ends that transaction with `end` (COMMIT or
/// ROLLBACK), and returns what the lookup then says.
async fn lookup_across(config: &Config, writer: &Client, write: KeyWrite, end: &str) -> CommitOutcome {
    let config = config.clone();
    let lookup = tokio::spawn(async move { resolve_commit_outcome(&config, &write, WITHIN).await });
    tokio::time::sleep(STILL_WAITING).await;
    assert!(!lookup.is_finished(), "the lookup waits for the transaction in progress before {end}");
    writer.batch_execute(end).await.unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(5), lookup).await.expect("the lookup ends after the write");
    outcome.unwrap().expect("the lookup succeeds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_waits_for_a_write_in_progress_then_finds_it_committed_or_provably_absent() {
    let Some(db) = TestDatabase::for_test("a_lookup_waits_for_a_write_in_progress").await else { return };
    create_token(&db.url, "alice", &[1], &[]);
    let config: Config = db.url.parse().unwrap();
    let writer = connect(&db.url).await;
    let owner = UserId(writer.query_one("SELECT id FROM users WHERE name = 'alice'", &[]).await.unwrap().get(0));

    // Creates: found with their content once committed; absent after a rollback.
    for end in ["COMMIT", "ROLLBACK"] {
        let key = key(owner, &format!("create-{end}"));
        writer.batch_execute("BEGIN").await.unwrap();
        insert(&writer, &key).await;
        let outcome = lookup_across(&config, &writer, KeyWrite::Created(key.clone()), end).await;
        let expected = if end == "COMMIT" { CommitOutcome::Committed(Some(key)) } else { CommitOutcome::NotCommitted };
        assert_eq!(outcome, expected, "create then {end}");
    }
    // A different key under the same id is not the write.
    let mut other = key(owner, "same-id-other-content");
    writer.batch_execute("BEGIN").await.unwrap();
    insert(&writer, &other).await;
    writer.batch_execute("COMMIT").await.unwrap();
    other.public_key.push_str("-changed");
    let outcome = resolve_commit_outcome(&config, &KeyWrite::Created(other), WITHIN).await.unwrap();
    assert_eq!(outcome, CommitOutcome::NotCommitted, "same id, other content");

    // A share change and a delete, each rolled back and then committed.
    let stored = key(owner, "changed");
    writer.batch_execute("BEGIN").await.unwrap();
    insert(&writer, &stored).await;
    writer.batch_execute("COMMIT").await.unwrap();
    let (project, id) = (stored.project, stored.id);
    let lock = "SELECT 1 FROM ssh_keys WHERE id = $1 FOR UPDATE";
    for end in ["ROLLBACK", "COMMIT"] {
        writer.batch_execute("BEGIN").await.unwrap();
        writer.query(lock, &[&id.0]).await.unwrap();
        writer.execute("UPDATE ssh_keys SET shared = false WHERE id = $1", &[&id.0]).await.unwrap();
        let outcome = lookup_across(&config, &writer, KeyWrite::Shared { project, id, shared: false }, end).await;
        let expected = match end {
            "COMMIT" => CommitOutcome::Committed(Some(SshKey { shared: false, ..stored.clone() })),
            _ => CommitOutcome::NotCommitted,
        };
        assert_eq!(outcome, expected, "unshare then {end}");
    }
    for end in ["ROLLBACK", "COMMIT"] {
        writer.batch_execute("BEGIN").await.unwrap();
        writer.query(lock, &[&id.0]).await.unwrap();
        writer.execute("DELETE FROM ssh_keys WHERE id = $1", &[&id.0]).await.unwrap();
        let outcome = lookup_across(&config, &writer, KeyWrite::Deleted { project, id }, end).await;
        let expected = if end == "COMMIT" { CommitOutcome::Committed(None) } else { CommitOutcome::NotCommitted };
        assert_eq!(outcome, expected, "delete then {end}");
    }
}

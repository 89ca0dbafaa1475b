//! Several stateless nodes behind one PostgreSQL database: two real
//! `sshkeyd serve` processes share a fresh database, and what the database
//! enforces (unique names, the quota) holds across them. `outage` stops the
//! database under load, `failover` kills a primary and promotes its
//! synchronous standby under load, `rolling_restart` restarts the nodes
//! one at a time behind HAProxy under load.
//!
//! Skipped, like the store suite's PostgreSQL half, when
//! `SSHKEYD_TEST_POSTGRES` is unset (and failing when it is required).

mod bounds;
mod cluster;
mod commit_lookup;
mod failover;
mod haproxy;
mod lost_commit;
mod node;
mod outage;
mod read_only;
mod rolling_restart;

use sshkeyd::store::DatabaseUrl;
use tokio::task::JoinSet;

use crate::helpers::scalar;
use crate::serve::{Serve, create_token};
use crate::store_suite::pg::TestDatabase;
use node::{Answer, client, create_key, get};

/// Two nodes on one fresh database, with a token for user alice.
struct TwoNodes {
    nodes: [Serve; 2],
    token: String,
    database: DatabaseUrl,
    password: Option<String>,
    _logs: tempfile::TempDir,
    _db: TestDatabase,
}

impl TwoNodes {
    async fn start(test: &str, extra: &[&str]) -> Option<Self> {
        let db = TestDatabase::for_test(test).await?;
        let logs = tempfile::tempdir().unwrap();
        // The token is made first, so its run of `token create` migrates
        // the database; the nodes then start together and race only to
        // find the migration applied.
        let (token, _) = create_token(&db.url, "alice", &[1, 2], &[]);
        let (a, b) = tokio::join!(node::start(&db.url, extra, logs.path()), node::start(&db.url, extra, logs.path()));
        Some(Self {
            nodes: [a, b],
            token,
            database: DatabaseUrl::parse(&db.url).unwrap(),
            password: password_of(&db.url),
            _logs: logs,
            _db: db,
        })
    }

    /// Sends the creates all at once, alternating between the nodes.
    async fn create_concurrently(&self, project: i64, names: Vec<String>) -> Vec<Answer> {
        let mut tasks = JoinSet::new();
        for (i, name) in names.into_iter().enumerate() {
            let (base, token, client) = (self.nodes[i % 2].base.clone(), self.token.clone(), client());
            tasks.spawn(async move { create_key(&client, &base, &token, project, &name).await.expect("an answer") });
        }
        tasks.join_all().await
    }

    fn assert_password_never_logged(&self) {
        let Some(password) = &self.password else { return };
        for node in &self.nodes {
            assert!(!node.log_text().contains(password.as_str()), "{} logged the database password", node.base);
        }
    }
}

/// The password in `postgres://user:password@...`, if any, read as the
/// driver reads it: the credentials run to the first `@`.
fn password_of(url: &str) -> Option<String> {
    let userinfo = url.split_once("://")?.1.split_once('@')?.0;
    Some(userinfo.split_once(':')?.1.to_owned()).filter(|p| !p.is_empty())
}

fn statuses(answers: &[Answer]) -> (usize, usize, usize) {
    let count = |s: u16| answers.iter().filter(|a| a.status == s).count();
    (count(201), count(409), count(403))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_of_one_name_across_two_nodes_give_one_201_and_49_409s() {
    let Some(cluster) = TwoNodes::start("fifty_concurrent_creates", &[]).await else { return };
    let answers = cluster.create_concurrently(1, vec!["contested".to_owned(); 50]).await;
    assert_eq!(statuses(&answers), (1, 49, 0), "answers: {answers:?}");
    for conflict in answers.iter().filter(|a| a.status == 409) {
        conflict.assert_error("ConflictError");
    }
    assert_eq!(scalar(&cluster.database, "SELECT count(*) FROM ssh_keys").await, 1, "one row stored");
    assert_eq!(scalar(&cluster.database, "SELECT count(*) FROM audit_events").await, 1, "one create recorded");
    cluster.assert_password_never_logged();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_created_on_one_node_is_listed_and_deleted_on_the_other_at_once() {
    let Some(cluster) = TwoNodes::start("a_key_created_on_one_node", &[]).await else { return };
    let [a, b] = &cluster.nodes;
    let http = client();
    let created = create_key(&http, &a.base, &cluster.token, 1, "made-on-a").await.unwrap();
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let listed = get(&http, &b.base, &cluster.token, "/cloud/v1/ssh_keys/1").await.unwrap();
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["count"], 1, "{}", listed.body);
    assert_eq!(listed.body["results"][0]["id"], id.as_str(), "node b lists node a's key");
    let fetched = get(&http, &b.base, &cluster.token, &format!("/cloud/v1/ssh_keys/1/{id}")).await.unwrap();
    assert_eq!(fetched.body["public_key"], created.body["public_key"]);
    let deleted = http
        .delete(format!("{}/cloud/v1/ssh_keys/1/{id}", b.base))
        .header("Authorization", format!("APIKey {}", cluster.token))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "delete on b: {}", deleted.status());
    let gone = get(&http, &a.base, &cluster.token, &format!("/cloud/v1/ssh_keys/1/{id}")).await.unwrap();
    assert_eq!(gone.status, 404, "node a sees the delete made on b: {}", gone.body);
    gone.assert_error("NotFoundError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_quota_race_across_two_nodes_never_exceeds_the_limit() {
    let Some(cluster) = TwoNodes::start("a_quota_race", &["--max-keys-per-project", "10"]).await else { return };
    let names = (0..40).map(|i| format!("quota-{i:02}")).collect();
    let answers = cluster.create_concurrently(2, names).await;
    assert_eq!(statuses(&answers), (10, 0, 30), "answers: {answers:?}");
    for refused in answers.iter().filter(|a| a.status == 403) {
        refused.assert_error("ForbiddenError");
    }
    assert_eq!(scalar(&cluster.database, "SELECT count(*) FROM ssh_keys").await, 10, "exactly the quota is stored");
    assert_eq!(
        scalar(&cluster.database, "SELECT count(*) FROM projects WHERE id = 2 AND key_count = 10").await,
        1,
        "counter agrees"
    );
    cluster.assert_password_never_logged();
}

#[test]
fn passwords_are_found_in_urls_that_have_one() {
    let cases = [
        ("postgres://u:secret@127.0.0.1:5432/db", Some("secret")),
        ("postgres://u@127.0.0.1/db", None),
        ("postgres://127.0.0.1/db", None),
        ("postgres://u:se/cr?et@127.0.0.1/db", Some("se/cr?et")),
    ];
    for (url, expected) in cases {
        assert_eq!(password_of(url).as_deref(), expected, "{url}");
    }
}

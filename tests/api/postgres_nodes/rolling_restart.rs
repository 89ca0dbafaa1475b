//! Rolling restarts with zero failed requests: two nodes on PostgreSQL
//! behind HAProxy (`/readyz` checks, no retries), a steady load of creates,
//! gets and lists through it, and each node in turn stopped with SIGTERM,
//! waited for and started again on its port. The shutdown delay (2 s) is
//! longer than HAProxy takes to see `/readyz` fail (two checks 200 ms
//! apart), so it stops sending before the node stops accepting, and
//! `Connection: close` moves its kept-alive connections away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::haproxy::{self, HaProxy};
use super::node::{self, Answer, client, create_key, get};
use crate::helpers::scalar;
use crate::serve::create_token;
use crate::store_suite::pg::TestDatabase;
use sshkeyd::store::DatabaseUrl;

const NODE_ARGS: [&str; 4] = ["--shutdown-delay", "2s", "--max-keys-per-project", "1000000"];
/// Rounds of create, get and list each load worker makes at most.
const MAX_ROUNDS_PER_WORKER: usize = 3_000;

/// What a request was, and its answer or the client error as text.
struct Sample {
    kind: &'static str,
    answer: Result<Answer, String>,
}

/// Through HAProxy: creates a key, gets it, lists a page; until `stop`.
async fn load(base: String, token: String, worker: usize, stop: Arc<AtomicBool>) -> Vec<Sample> {
    let http = client();
    let mut samples = Vec::new();
    let record = |samples: &mut Vec<Sample>, kind, answer: std::io::Result<Answer>| {
        let answer = answer.map_err(|e| e.to_string());
        let id = answer.as_ref().ok().and_then(|a| a.body["id"].as_str().map(str::to_owned));
        samples.push(Sample { kind, answer });
        id
    };
    for i in 0..MAX_ROUNDS_PER_WORKER {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let created = create_key(&http, &base, &token, 1, &format!("rolling-{worker}-{i}")).await;
        if let Some(id) = record(&mut samples, "create", created) {
            let fetched = get(&http, &base, &token, &format!("/cloud/v1/ssh_keys/1/{id}")).await;
            record(&mut samples, "get", fetched);
        }
        let listed = get(&http, &base, &token, "/cloud/v1/ssh_keys/1?limit=5").await;
        record(&mut samples, "list", listed);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restarting_both_nodes_behind_haproxy_one_at_a_time_fails_no_request() {
    let Some(binary) = haproxy::binary("rolling_restart") else { return };
    let Some(db) = TestDatabase::for_test("rolling_restart").await else { return };
    let logs = tempfile::tempdir().unwrap();
    let (token, _) = create_token(&db.url, "alice", &[1], &[]);
    let (a, b) =
        tokio::join!(node::start(&db.url, &NODE_ARGS, logs.path()), node::start(&db.url, &NODE_ARGS, logs.path()));
    let mut nodes = [a, b];
    let proxy = HaProxy::start(&binary, &[&nodes[0].addr, &nodes[1].addr]).await;

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> =
        (0..3).map(|w| tokio::spawn(load(proxy.base.clone(), token.clone(), w, stop.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (i, node) in nodes.iter_mut().enumerate() {
        let server = format!("n{}", i + 1);
        node.signal("TERM");
        let exit = node.exited_within(Duration::from_secs(20)).await.expect("the node exits after SIGTERM");
        assert!(exit.success(), "{} exited with {exit}:\n{}", node.base, node.log_text());
        *node = node::restart(node, &db.url, &NODE_ARGS).await;
        proxy.wait_until(&server, "UP").await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.unwrap());
    }

    let failed: Vec<_> = samples
        .iter()
        .filter(|s| !s.answer.as_ref().is_ok_and(|a| a.status == if s.kind == "create" { 201 } else { 200 }))
        .map(|s| format!("{}: {:?}", s.kind, s.answer.as_ref().map(|a| (a.status, &a.body))))
        .collect();
    let count = |kind: &str| samples.iter().filter(|s| s.kind == kind).count();
    println!(
        "rolling restart: {} requests ({} creates, {} gets, {} lists), {} failed",
        samples.len(),
        count("create"),
        count("get"),
        count("list"),
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} requests failed during the rolling restart: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    assert!(count("create") > 20, "the load ran through both restarts");
    let stored = scalar(&DatabaseUrl::parse(&db.url).unwrap(), "SELECT count(*) FROM ssh_keys").await;
    assert_eq!(stored, count("create") as i64, "every 201 is stored, and only those");
    drop(proxy);
}

//! Stopping PostgreSQL under load: requests get 503 in Gcore's shape within
//! bounded time, never another 5xx and never a hang, `/healthz` keeps
//! answering, `/readyz` follows the database, and the same node processes
//! serve again once it is back.
//!
//! The test stops a database, so it runs its own throwaway cluster
//! (`scripts/pg start`, `down`, `up`, `stop`) and leaves the shared one alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::cluster::{OwnCluster, scripts_pg};
use super::node::{self, Answer, client, create_key, get, probe};
use crate::http_client::Client;
use crate::serve::create_token;
use crate::store_suite::pg;

/// Longest any request may take with those settings (the node's worst case
/// is about 7 s: wait, connect, then its client-side operation deadline).
const SLOWEST_ALLOWED: Duration = Duration::from_secs(10);
/// Requests each load worker sends at most: bounds the loop.
const MAX_REQUESTS_PER_WORKER: usize = 5_000;

/// One request of the load: when it started, how long it took, and its
/// answer (or the client error, a timeout included, as text).
struct Sample {
    started: Instant,
    took: Duration,
    answer: Result<Answer, String>,
}

/// Alternates creates and lists across the nodes until `stop` is set.
async fn load(bases: Vec<String>, token: String, worker: usize, stop: Arc<AtomicBool>) -> Vec<Sample> {
    let http = client();
    let mut samples = Vec::new();
    for i in 0..MAX_REQUESTS_PER_WORKER {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let base = &bases[i % bases.len()];
        let started = Instant::now();
        let answer = if i % 2 == 0 {
            create_key(&http, base, &token, 1, &format!("load-{worker}-{i}")).await
        } else {
            get(&http, base, &token, "/cloud/v1/ssh_keys/1?limit=5").await
        };
        samples.push(Sample { started, took: started.elapsed(), answer: answer.map_err(|e| e.to_string()) });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stopping_postgres_under_load_gives_503s_then_service_resumes_without_restarting_the_nodes() {
    if pg::admin_url("stopping_postgres_under_load").is_none() {
        return;
    }
    let cluster = OwnCluster::start();
    pg::execute(&cluster.url, "CREATE DATABASE sshkeyd").await;
    let url = pg::with_database(&cluster.url, "sshkeyd");
    let logs = tempfile::tempdir().unwrap();
    let (token, _) = create_token(&url, "alice", &[1], &[]);
    let nodes = [
        node::start(&url, &node::QUICK_FAILURE_ARGS, logs.path()).await,
        node::start(&url, &node::QUICK_FAILURE_ARGS, logs.path()).await,
    ];
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let http = client();

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6).map(|w| tokio::spawn(load(bases.clone(), token.clone(), w, stop.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let down_at = Instant::now();
    tokio::task::spawn_blocking({
        let dir = cluster.dir.clone();
        move || scripts_pg(&["down", &dir])
    })
    .await
    .unwrap();
    let down_done = Instant::now();
    for base in &bases {
        assert_eq!(probe(&http, base, "/healthz").await, 200, "{base}/healthz answers without the database");
        assert_eq!(probe(&http, base, "/readyz").await, 503, "{base}/readyz reports the outage");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    tokio::task::spawn_blocking({
        let dir = cluster.dir.clone();
        move || scripts_pg(&["up", &dir])
    })
    .await
    .unwrap();
    let up_at = Instant::now();
    for base in &bases {
        wait_until_ready(&http, base).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.unwrap());
    }

    check_samples(&samples, down_done, up_at);
    assert!(samples.iter().any(|s| s.started < down_at && is(s, 201)), "creates succeeded before the outage");
    for (i, base) in bases.iter().enumerate() {
        let after = create_key(&http, base, &token, 1, &format!("after-outage-{i}")).await.unwrap();
        assert_eq!(after.status, 201, "{base} creates again without a restart: {}", after.body);
    }
    drop(nodes);
}

fn is(sample: &Sample, status: u16) -> bool {
    sample.answer.as_ref().is_ok_and(|a| a.status == status)
}

/// Every request completed in time, with 200, 201 or a well-formed 503;
/// the outage produced 503s and the recovery successes.
fn check_samples(samples: &[Sample], down_done: Instant, up_at: Instant) {
    assert!(samples.len() > 50, "the load ran: {} requests", samples.len());
    for s in samples {
        let answer = s.answer.as_ref().unwrap_or_else(|e| panic!("a request failed without an answer: {e}"));
        assert!(s.took < SLOWEST_ALLOWED, "a request took {:?} (status {})", s.took, answer.status);
        assert!([200, 201, 503].contains(&answer.status), "unexpected status {}: {}", answer.status, answer.body);
        if answer.status == 503 {
            answer.assert_error("ServiceUnavailableError");
        }
    }
    let outage = samples.iter().filter(|s| s.started > down_done && s.started < up_at);
    let unavailable = outage.filter(|s| is(s, 503)).count();
    assert!(unavailable > 0, "requests during the outage got 503");
    let recovered = samples.iter().filter(|s| s.started > up_at && (is(s, 200) || is(s, 201))).count();
    assert!(recovered > 0, "requests after the restart succeeded");
    let slowest = samples.iter().map(|s| s.took).max().unwrap_or_default();
    println!("{} requests; {unavailable} got 503 during the outage; slowest took {slowest:?}", samples.len());
}

/// Polls `/readyz` until 200, for at most 30 s.
async fn wait_until_ready(http: &Client, base: &str) {
    for _ in 0..300 {
        if probe(http, base, "/readyz").await == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not become ready after the database came back");
}

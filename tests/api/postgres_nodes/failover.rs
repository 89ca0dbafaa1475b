//! PostgreSQL failover under load with no acknowledged write lost: a
//! primary with a synchronous streaming standby (`synchronous_standby_names`
//! naming it, `synchronous_commit = on`), two nodes on a multi-host URL with
//! `target_session_attrs=read-write`, creates through both, the primary
//! killed with `kill -9` and the standby promoted. Every 201 is on the new
//! primary, the switch shows only as 503s in Gcore's shape, and both nodes
//! write again by themselves.
//!
//! It runs clusters of its own (`scripts/pg start --durable`, `standby`,
//! `kill`, `promote`), stopped and removed on drop.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::cluster::{OwnCluster, scripts_pg};
use super::node::{self, Answer, client, create_key};
use crate::serve::create_token;
use crate::store_suite::pg;

/// The standby's name, as `synchronous_standby_names` lists it.
const STANDBY: &str = "sshkeyd_standby";
/// How long both nodes may take to write again after the kill.
const RECOVERY_LIMIT: Duration = Duration::from_secs(15);
/// Requests each load worker sends at most: bounds the loop.
const MAX_CREATES_PER_WORKER: usize = 5_000;

/// One create of the load: when it started and its answer, or the client
/// error (a timeout included) as text.
struct Sample {
    started: Instant,
    answer: Result<Answer, String>,
}

/// Creates keys, alternating between the nodes, until `stop` is set.
async fn create_load(bases: Vec<String>, token: String, worker: usize, stop: Arc<AtomicBool>) -> Vec<Sample> {
    let http = client();
    let mut samples = Vec::new();
    for i in 0..MAX_CREATES_PER_WORKER {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let started = Instant::now();
        let answer =
            create_key(&http, &bases[(worker + i) % bases.len()], &token, 1, &format!("load-{worker}-{i}")).await;
        samples.push(Sample { started, answer: answer.map_err(|e| e.to_string()) });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples
}

/// The multi-host URL of database `sshkeyd` on both clusters, primary first.
fn multi_host_url(primary: &OwnCluster, standby: &OwnCluster) -> String {
    let url = pg::with_database(&primary.url, "sshkeyd");
    let hosts = format!("127.0.0.1:{},127.0.0.1:{}", primary.port, standby.port);
    format!("{}?target_session_attrs=read-write", url.replace(&format!("127.0.0.1:{}", primary.port), &hosts))
}

/// Makes `standby` synchronous and waits (at most 20 s) until the primary
/// reports it so.
async fn make_synchronous(primary: &OwnCluster) {
    pg::execute(&primary.url, &format!("ALTER SYSTEM SET synchronous_standby_names = '{STANDBY}'")).await;
    pg::execute(&primary.url, "SELECT pg_reload_conf()").await;
    let (client, connection) = tokio_postgres::connect(&primary.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let sql = "SELECT count(*) FROM pg_stat_replication WHERE application_name = $1 AND sync_state = 'sync'";
    for _ in 0..200 {
        let synchronous: i64 = client.query_one(sql, &[&STANDBY]).await.unwrap().get(0);
        if synchronous == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the standby did not become synchronous within 20 s");
}

/// Creates on `base` until one gets 201, every 100 ms for at most 20 s; when
/// it did, and the 201's key id.
async fn first_write(base: &str, token: &str, node: usize) -> (Instant, String) {
    let http = client();
    for i in 0..200 {
        let answer = create_key(&http, base, token, 1, &format!("recovery-{node}-{i}")).await.unwrap();
        if answer.status == 201 {
            return (Instant::now(), answer.body["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(answer.status, 503, "only 503 while the primary is gone: {}", answer.body);
        answer.assert_error("ServiceUnavailableError");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not write again within 20 s of the kill");
}

/// The ids of every key stored in the database at `url`.
async fn stored_ids(url: &str) -> HashSet<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let rows = client.query("SELECT id::text FROM ssh_keys", &[]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_primary_under_load_loses_no_acknowledged_create_and_both_nodes_write_again() {
    if pg::admin_url("killing_the_primary_under_load").is_none() {
        return;
    }
    let primary = OwnCluster::start_durable();
    pg::execute(&primary.url, "CREATE DATABASE sshkeyd").await;
    let standby = primary.standby(STANDBY);
    make_synchronous(&primary).await;
    let url = multi_host_url(&primary, &standby);
    let logs = tempfile::tempdir().unwrap();
    let (token, _) = create_token(&url, "alice", &[1], &[]);
    let (a, b) = tokio::join!(
        node::start(&url, &node::QUICK_FAILURE_ARGS, logs.path()),
        node::start(&url, &node::QUICK_FAILURE_ARGS, logs.path())
    );
    let nodes = [a, b];
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();

    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> =
        (0..4).map(|w| tokio::spawn(create_load(bases.clone(), token.clone(), w, stop.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let killed_at = Instant::now();
    scripts_pg(&["kill", &primary.dir]);
    // The nodes meet the dead primary for a second before the promotion.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let standby_dir = standby.dir.clone();
    tokio::task::spawn_blocking(move || scripts_pg(&["promote", &standby_dir])).await.unwrap();
    let promoted_at = Instant::now();
    let (first_a, first_b) = tokio::join!(first_write(&bases[0], &token, 0), first_write(&bases[1], &token, 1));
    let recovered_at = first_a.0.max(first_b.0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.unwrap());
    }

    let mut acknowledged = vec![first_a.1, first_b.1];
    let mut unavailable = 0;
    for s in &samples {
        let answer = s.answer.as_ref().unwrap_or_else(|e| panic!("a create got no answer in time: {e}"));
        match answer.status {
            201 => acknowledged.push(answer.body["id"].as_str().unwrap().to_owned()),
            503 => {
                answer.assert_error("ServiceUnavailableError");
                unavailable += 1;
            }
            other => panic!("a create got {other}: {}", answer.body),
        }
    }
    let stored = stored_ids(&pg::with_database(&standby.url, "sshkeyd")).await;
    let missing: Vec<_> = acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    let before_kill =
        samples.iter().filter(|s| s.started < killed_at && s.answer.as_ref().is_ok_and(|a| a.status == 201)).count();
    println!(
        "failover: {} creates acknowledged ({before_kill} before the kill), {} of them found on the new primary \
         ({} keys stored); {unavailable} answered 503; both nodes wrote again {:.1} s after the kill ({:.1} s after \
         the promotion)",
        acknowledged.len(),
        acknowledged.len() - missing.len(),
        stored.len(),
        (recovered_at - killed_at).as_secs_f64(),
        recovered_at.saturating_duration_since(promoted_at).as_secs_f64(),
    );
    assert!(missing.is_empty(), "acknowledged creates missing after the failover: {missing:?}");
    assert!(before_kill > 0, "creates were acknowledged before the kill");
    assert!(unavailable > 0, "the switch was seen as 503s");
    assert!(recovered_at - killed_at < RECOVERY_LIMIT, "both nodes wrote again within {RECOVERY_LIMIT:?} of the kill");
    drop(nodes);
}

//! Load shedding: past `--max-in-flight` admitted requests, the next gets
//! 503 at once on every API route of every face (`authorized_keys`
//! included), while a request without a valid token still gets its 401,
//! and health, readiness, the OpenAPI document and the console are never
//! shed. Slots are held by creates that the store keeps waiting after
//! their commit (`slow_store.rs`).

use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;
use sshkeyd::config::Settings;

use crate::helpers::TestApp;
use crate::http_client::Client;
use crate::slow_store::{Gate, SlowCommits, spawn_gated};

/// sshd's endpoint, which needs a token like the rest of the API.
const AUTHORIZED_KEYS: &str = "/cloud/v1/ssh_keys/1/authorized_keys";

/// Starts `n` creates that the store holds, and waits until it holds them.
async fn hold_slots(app: &TestApp, slow: &SlowCommits, token: &str, n: usize) -> Vec<tokio::task::JoinHandle<u16>> {
    let held = (0..n)
        .map(|i| {
            let request = app
                .raw(Method::POST, "/cloud/v1/ssh_keys/1")
                .header("Authorization", format!("APIKey {token}"))
                .json(&json!({"name": format!("held-{i}")}));
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    slow.until_held(n).await;
    held
}

async fn released(gate: &Gate, held: Vec<tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    gate.open();
    let mut statuses = Vec::new();
    for request in held {
        statuses.push(request.await.unwrap());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_max_in_flight_a_request_gets_503_at_once_and_service_resumes_when_the_first_ends() {
    let (app, slow, gate) = spawn_gated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let held = hold_slots(&app, &slow, &token, 1).await;

    let started = Instant::now();
    let shed = app.create_key(&token, 1, json!({"name": "shed-key"})).await;
    let took = started.elapsed();
    shed.assert_error(503, "ServiceUnavailableError");
    assert!(took < Duration::from_secs(1), "shed at once, not queued: took {took:?}");

    assert_eq!(released(&gate, held).await, [201], "the held request completes");
    let after = app.create_key(&token, 1, json!({"name": "after-key"})).await;
    assert_eq!(after.status, 201, "service resumes once the first request ends: {}", after.body);
    assert_eq!(app.count_rows("ssh_keys").await, 2, "held-0 and after-key stored, shed-key not");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_limit_counts_requests_on_every_api_route_together() {
    let (app, slow, gate) = spawn_gated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let held = hold_slots(&app, &slow, &token, 1).await;

    // Other routes and methods than the held POST, on every API face: the
    // limit is on requests in flight in the server, not per route.
    let missing = "00000000-0000-4000-8000-000000000000";
    let replies = [
        ("v1 list", app.list_keys(&token, 1, "").await),
        ("v1 get", app.get_key(&token, 1, missing).await),
        ("v2 create", app.create_keypair(&token, json!({"sshkey_name": "shed", "project_id": 1})).await),
        ("v2 list", app.list_keypairs(&token, "project_id=1").await),
        ("v2 get", app.get_keypair(&token, missing).await),
        ("v2 delete", app.delete_keypair(&token, missing).await),
        ("authorized_keys", app.request(Method::GET, AUTHORIZED_KEYS, Some(&token), None).await),
        ("unknown path", app.request(Method::GET, "/cloud/v1/nothing", Some(&token), None).await),
    ];
    assert_eq!(released(&gate, held).await, [201]);
    for (what, reply) in replies {
        assert_eq!(reply.status, 503, "{what}: {}", reply.body);
        reply.assert_error(503, "ServiceUnavailableError");
    }
    assert_eq!(app.count_rows("ssh_keys").await, 1, "only the held create stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_slot_taken_a_request_without_a_valid_token_still_gets_its_401_on_every_api_face() {
    let (app, slow, gate) = spawn_gated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let held = hold_slots(&app, &slow, &token, 1).await;
    // Refused before a slot is asked for: 401, not 503.
    let v2_body = json!({"sshkey_name": "anonymous", "project_id": 1});
    let requests = [
        (Method::POST, "/cloud/v1/ssh_keys/1", Some(json!({"name": "anonymous"}))),
        (Method::POST, "/cloud/v2/keypairs", Some(v2_body)),
        (Method::GET, "/cloud/v2/keypairs?project_id=1", None),
        (Method::GET, AUTHORIZED_KEYS, None),
    ];
    for (method, path, body) in requests {
        for token in [None, Some("skd_not_a_token")] {
            let reply = app.request(method.clone(), path, token, body.as_ref()).await;
            assert_eq!(reply.status, 401, "{method} {path} with {token:?}: {}", reply.body);
            reply.assert_error(401, "AuthenticationError");
        }
    }
    assert_eq!(released(&gate, held).await, [201]);
    assert_eq!(app.count_rows("ssh_keys").await, 1, "only the held create stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_the_openapi_document_and_the_console_are_never_shed() {
    let (app, slow, gate) = spawn_gated(Settings { max_in_flight: Some(2), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let held = hold_slots(&app, &slow, &token, 2).await;
    let shed = app.create_key(&token, 1, json!({"name": "third"})).await;
    shed.assert_error(503, "ServiceUnavailableError");
    for path in ["/healthz", "/readyz", "/cloud/v1/ssh_keys/openapi.json", "/console/"] {
        let started = Instant::now();
        let status = app.raw(Method::GET, path).send().await.unwrap().status();
        eprintln!("{path} with every slot taken: {status} in {:?}", started.elapsed());
        assert_eq!(status, 200, "{path} while both slots are held");
    }
    assert_eq!(released(&gate, held).await, [201, 201]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shed_request_with_a_large_body_gets_its_503_not_a_connection_reset() {
    let (app, slow, gate) = spawn_gated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let held = hold_slots(&app, &slow, &token, 1).await;
    // 200 clients at once, each sending about 60 KiB (under the body limit)
    // in full before reading, as most clients do.
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let big = format!("{{\"name\": \"big-{i}\"{}}}", " ".repeat(60 * 1024));
            let request = app
                .raw(Method::POST, "/cloud/v1/ssh_keys/1")
                .header("Authorization", format!("APIKey {token}"))
                .header("Content-Type", "application/json")
                .body(big);
            tokio::spawn(async move { request.send().await })
        })
        .collect();
    let (mut shed, mut reset) = (0, Vec::new());
    for task in tasks {
        match task.await.unwrap() {
            Ok(response) => {
                TestApp::reply(response).await.assert_error(503, "ServiceUnavailableError");
                shed += 1;
            }
            Err(e) => reset.push(format!("{e:?}")),
        }
    }
    assert_eq!(released(&gate, held).await, [201]);
    assert!(reset.is_empty(), "{shed} got their 503, {} a reset instead: {:?}", reset.len(), reset.first());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_200_concurrent_requests_gets_only_2xx_or_503_and_some_are_shed() {
    let settings = Settings { max_in_flight: Some(4), max_keys_per_project: Some(1000), ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    let token = app.token("alice", &[1]).await;
    let client = Client::with_timeout(Duration::from_secs(20));
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (client, base, token, start) = (client.clone(), app.base.clone(), token.clone(), start.clone());
            tokio::spawn(async move {
                let auth = format!("APIKey {token}");
                let request = if i % 4 == 3 {
                    client.get(format!("{base}/cloud/v1/ssh_keys/1?limit=5"))
                } else {
                    client.post(format!("{base}/cloud/v1/ssh_keys/1")).json(&json!({"name": format!("burst-{i}")}))
                };
                start.wait().await;
                let response = request.header("Authorization", auth).send().await.expect("no hang, no reset");
                let is_post = i % 4 != 3;
                (is_post, TestApp::reply(response).await)
            })
        })
        .collect();
    let (mut created, mut listed, mut shed, mut other) = (0, 0, 0, Vec::new());
    for task in tasks {
        let (is_post, reply) = task.await.unwrap();
        match (is_post, reply.status.as_u16()) {
            (true, 201) => created += 1,
            (false, 200) => listed += 1,
            (_, 503) => {
                reply.assert_error(503, "ServiceUnavailableError");
                shed += 1;
            }
            (_, status) => other.push(format!("{status} {}", reply.body)),
        }
    }
    eprintln!("burst of 200 with max_in_flight 4: {created} created, {listed} listed, {shed} shed (503)");
    assert!(other.is_empty(), "only 2xx or 503, got {other:?}");
    assert!(shed >= 1, "at least one request shed");
    assert_eq!(created + listed + shed, 200);
    assert_eq!(app.count_rows("ssh_keys").await, created, "every 201 stored, no 503 stored");
}

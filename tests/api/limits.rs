//! Overload and limits: load shedding, the whole-request timeout, the
//! header read timeout (slowloris), the per-token rate limit, and the exact
//! body and header size boundaries. Odd wire-level requests go over a raw
//! `TcpStream`; the `wire` helpers are shared with `lifecycle`.

use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;
use sshkeyd::config::{HumanDuration, Settings};
use sshkeyd::store::{DatabaseUrl, PoolOptions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::TestApp;
use crate::http_client::Client;
use wire::{RawReply, closed_within, read_reply, start_post};

/// Raw HTTP/1.1 over a `TcpStream`, for requests the test client will not send:
/// bodies that stall, heads that never end.
pub(crate) mod wire;

mod sizes;

/// `TestApp::spawn_with` over a database created and migrated first:
/// `TestApp` opens its own store while the server starts, and two first
/// opens of one new file race on the migration (see the report on
/// `open_writer`), which a multi-threaded runtime hits.
async fn spawn_migrated(settings: Settings) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let database = DatabaseUrl::Sqlite(dir.path().join("test.db"));
    drop(sshkeyd::store::open(&database, &PoolOptions::default()).await.unwrap());
    (TestApp::spawn_with(Settings { database: Some(database), ..settings }).await, dir)
}

fn addr(app: &TestApp) -> &str {
    app.base.trim_start_matches("http://")
}

fn secs(s: u64) -> Option<HumanDuration> {
    Some(HumanDuration(Duration::from_secs(s)))
}

/// A create body for `name`.
fn create_body(name: &str) -> String {
    json!({ "name": name }).to_string()
}

/// A request held in flight: its POST head and the first half of its body
/// are sent, and the handler is reading the body.
async fn hold_create(app: &TestApp, token: &str, name: &str) -> (TcpStream, String) {
    let body = create_body(name);
    let mut stream = start_post(addr(app), "/cloud/v1/ssh_keys/1", token, body.len()).await;
    stream.write_all(&body.as_bytes()[..body.len() / 2]).await.unwrap();
    (stream, body)
}

/// Sends the rest of a held create and reads its reply.
async fn finish_create(mut stream: TcpStream, body: &str) -> RawReply {
    stream.write_all(&body.as_bytes()[body.len() / 2..]).await.unwrap();
    read_reply(&mut stream, Duration::from_secs(5)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_max_in_flight_a_request_gets_503_at_once_and_service_resumes_when_the_first_ends() {
    let (app, _dir) = spawn_migrated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let (held, body) = hold_create(&app, &token, "held-key").await;

    let started = Instant::now();
    let shed = app.create_key(&token, 1, json!({"name": "shed-key"})).await;
    let took = started.elapsed();
    shed.assert_error(503, "ServiceUnavailableError");
    assert!(took < Duration::from_secs(1), "shed at once, not queued: took {took:?}");

    let created = finish_create(held, &body).await;
    assert_eq!(created.status, 201, "the held request completes: {}", created.body);
    assert_eq!(created.body["name"], "held-key");
    let after = app.create_key(&token, 1, json!({"name": "after-key"})).await;
    assert_eq!(after.status, 201, "service resumes once the first request ends: {}", after.body);
    assert_eq!(app.count_rows("ssh_keys").await, 2, "held-key and after-key stored, shed-key not");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_limit_counts_requests_on_every_route_together() {
    let (app, _dir) = spawn_migrated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let (held, body) = hold_create(&app, &token, "held-key").await;

    // Other routes and methods than the held POST: the limit is on requests
    // in flight in the server, not per route.
    let list = app.list_keys(&token, 1, "").await;
    let get = app.get_key(&token, 1, "00000000-0000-4000-8000-000000000000").await;
    let (list_status, get_status) = (list.status.as_u16(), get.status.as_u16());

    let created = finish_create(held, &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(list_status, 503, "GET list while a POST holds the only slot: {}", list.body);
    list.assert_error(503, "ServiceUnavailableError");
    assert_eq!(get_status, 503, "GET one key while a POST holds the only slot: {}", get.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shed_request_with_a_large_body_gets_its_503_not_a_connection_reset() {
    let (app, _dir) = spawn_migrated(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let (held, body) = hold_create(&app, &token, "held-key").await;
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
    assert_eq!(finish_create(held, &body).await.status, 201);
    assert!(reset.is_empty(), "{shed} got their 503, {} a reset instead: {:?}", reset.len(), reset.first());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_200_concurrent_requests_gets_only_2xx_or_503_and_some_are_shed() {
    let settings = Settings { max_in_flight: Some(4), max_keys_per_project: Some(1000), ..Settings::default() };
    let (app, _dir) = spawn_migrated(settings).await;
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

#[tokio::test]
async fn a_body_trickled_past_the_request_timeout_gets_408_and_stores_nothing() {
    let app = TestApp::spawn_with(Settings { request_timeout: secs(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    // Content-Length 1000, but only up to 50 bytes of JSON whitespace ever come.
    let stream = start_post(addr(&app), "/cloud/v1/ssh_keys/1", &token, 1000).await;
    let started = Instant::now();
    let (mut read, mut write) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..50 {
            if write.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let reply = read_reply(&mut read, Duration::from_secs(5)).await;
    let took = started.elapsed();
    trickle.abort();
    reply.assert_error(408, "RequestTimeoutError");
    assert!(took >= Duration::from_millis(900), "not before the 1 s timeout: {took:?}");
    assert!(took < Duration::from_secs(5), "cut off within 5 s: {took:?}");
    assert_eq!(app.count_rows("ssh_keys").await, 0);
    assert_eq!(app.list_keys(&token, 1, "").await.status, 200, "the server still serves");
}

#[tokio::test]
async fn a_client_that_sends_a_partial_head_or_trickles_it_is_disconnected_after_the_header_read_timeout() {
    let app = TestApp::spawn_with(Settings { header_read_timeout: secs(1), ..Settings::default() }).await;
    let head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n\r\n";
    // (what, bytes sent at once, then one byte every 200 ms from the rest)
    let cases: [(&str, usize, bool); 2] = [("partial head, then silence", 30, false), ("a byte every 200 ms", 1, true)];
    for (what, first, trickle) in cases {
        let stream = TcpStream::connect(addr(&app)).await.unwrap();
        let (mut read, mut write) = stream.into_split();
        write.write_all(&head[..first]).await.unwrap();
        let trickler = tokio::spawn(async move {
            for &b in head[first..].iter().take(if trickle { 40 } else { 0 }) {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if write.write_all(&[b]).await.is_err() {
                    return;
                }
            }
            // Keep the write half open: the client never finishes.
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let closed = closed_within(&mut read, Duration::from_secs(5)).await;
        trickler.abort();
        let took = closed.unwrap_or_else(|| panic!("{what}: still connected 5 s later"));
        assert!(took >= Duration::from_millis(800), "{what}: closed after the 1 s timeout, not before: {took:?}");
    }
    assert_eq!(app.raw(Method::GET, "/healthz").send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_or_part_of_the_http2_preface_is_closed_after_the_header_read_timeout() {
    let app = TestApp::spawn_with(Settings { header_read_timeout: secs(1), ..Settings::default() }).await;
    for (what, sent) in [("nothing", &b""[..]), ("half the HTTP/2 preface", &b"PRI * HTTP/2.0\r\n"[..])] {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        stream.write_all(sent).await.unwrap();
        let closed = closed_within(&mut stream, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "a client that sent {what} still holds its connection 5 s later");
    }
}

#[tokio::test]
async fn a_token_past_its_burst_gets_429_with_retry_after_and_recovers_after_waiting() {
    let app =
        TestApp::spawn_with(Settings { rate_limit: Some(1), rate_limit_burst: Some(2), ..Settings::default() }).await;
    let (token, same_user_other_token, other_user) =
        (app.token("alice", &[1]).await, app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    assert_eq!(app.list_keys(&token, 1, "").await.status, 200, "first of the burst");
    assert_eq!(app.list_keys(&token, 1, "").await.status, 200, "second of the burst");
    let limited = app.list_keys(&token, 1, "").await;
    limited.assert_error(429, "TooManyRequestsError");
    let retry_after = limited.headers.get("retry-after").expect("Retry-After on a 429");
    let retry_after: u64 = retry_after.to_str().unwrap().parse().expect("Retry-After in whole seconds");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after} for 1 request/s");
    assert!(limited.headers.get("x-should-retry").is_none(), "SDKs may retry a 429");
    let created = app.create_key(&token, 1, json!({"name": "limited-key"})).await;
    created.assert_error(429, "TooManyRequestsError");

    assert_eq!(app.list_keys(&same_user_other_token, 1, "").await.status, 200, "another token of the same user");
    assert_eq!(app.list_keys(&other_user, 1, "").await.status, 200, "another user's token");

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let again = app.create_key(&token, 1, json!({"name": "after-wait"})).await;
    assert_eq!(again.status, 201, "after Retry-After seconds: {}", again.body);
    assert_eq!(app.count_rows("ssh_keys").await, 1, "the 429 create stored nothing");
}

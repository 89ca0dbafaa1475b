//! Admission: capacity goes only to authenticated requests whose body has
//! arrived. Stalled and slow clients, with or without a token, cost a
//! connection, never an in-flight slot; what the head alone decides (a
//! declared body over 64 KiB, a missing Host) is answered before the body
//! is touched, so no `100 Continue` invites a body that will be refused.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;
use sshkeyd::config::Settings;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};

use super::wire::{read_first_head, read_reply};
use super::{addr, finish_create, hold_create};
use crate::helpers::TestApp;

/// A connection to the server from `source` (another loopback address, so
/// the server sees another client).
pub(super) async fn connect_from(source: [u8; 4], app: &TestApp) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket.connect(addr(app).parse().unwrap()).await
}

/// A POST head declaring a 100-byte body, and one byte of it.
fn stalled_post(path: &str, token: Option<&str>) -> String {
    let auth = token.map(|t| format!("Authorization: APIKey {t}\r\n")).unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_from_one_address_with_or_without_a_token_cost_connections_not_capacity() {
    // 64 slots, far fewer than the stalled requests: before admission
    // waited for the body, they took every slot and everything got 503.
    let app = TestApp::spawn_with(Settings { max_in_flight: Some(64), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let mut stalled = Vec::new();
    for i in 0..240 {
        let (path, token) = match i % 3 {
            0 => ("/anything", None),
            1 => ("/cloud/v1/ssh_keys/1", None),
            _ => ("/cloud/v1/ssh_keys/1", Some(token.as_str())),
        };
        let mut stream = connect_from([127, 0, 0, 2], &app).await.unwrap();
        stream.write_all(stalled_post(path, token).as_bytes()).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let health = app.raw(Method::GET, "/healthz").send().await.unwrap().status();
    let health_took = started.elapsed();
    let started = Instant::now();
    let created = app.create_key(&token, 1, json!({"name": "while-stalled"})).await;
    let create_took = started.elapsed();
    eprintln!(
        "with 240 stalled bodies from 127.0.0.2 (80 without a token on an unknown path, 80 without, 80 with): \
         /healthz {health} in {health_took:?}, create {} in {create_took:?}",
        created.status
    );
    assert_eq!(health, 200);
    assert_eq!(created.status, 201, "{}", created.body);
    // Generous bounds: the point is no 503 and no wait for a timeout.
    assert!(health_took < Duration::from_secs(5) && create_took < Duration::from_secs(5));
    assert_eq!(app.count_rows("ssh_keys").await, 1, "no stalled create got through");
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_still_sending_its_body_holds_no_slot() {
    let app = TestApp::spawn_with(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let (held, body) = hold_create(&app, &token, "half-sent").await;
    let other = app.create_key(&token, 1, json!({"name": "other"})).await;
    assert_eq!(other.status, 201, "the only slot is free while a body is on its way: {}", other.body);
    let finished = finish_create(held, &body).await;
    assert_eq!(finished.status, 201, "{}", finished.body);
    assert_eq!(app.count_rows("ssh_keys").await, 2);
}

#[tokio::test]
async fn a_declared_body_over_64_kib_gets_413_at_once_and_never_a_100_continue() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    for expect in [true, false] {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        let head = super::wire::post_head("/cloud/v1/ssh_keys/1", &token, 64 * 1024 + 1, expect);
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let first = read_first_head(&mut stream, Duration::from_secs(5)).await;
        assert!(first.starts_with("HTTP/1.1 413"), "Expect: 100-continue {expect}: the first answer is {first:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "at once, not after a timeout");
    }
    // Before the token is even looked at.
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    let head = "POST /cloud/v1/ssh_keys/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 1073741824\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    read_reply(&mut stream, Duration::from_secs(5)).await.assert_error(413, "PayloadTooLargeError");
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

#[tokio::test]
async fn a_request_without_a_valid_token_that_expects_100_continue_gets_401_without_it() {
    let app = TestApp::spawn().await;
    let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
    let head = super::wire::post_head("/cloud/v1/ssh_keys/1", "skd_not_a_token", 50, true);
    stream.write_all(head.as_bytes()).await.unwrap();
    let first = read_first_head(&mut stream, Duration::from_secs(5)).await;
    assert!(first.starts_with("HTTP/1.1 401"), "the first answer is {first:?}");
}

#[tokio::test]
async fn an_http_1_1_request_without_exactly_one_host_gets_a_shaped_400() {
    let app = TestApp::spawn().await;
    let cases: [(&[u8], u16); 4] = [
        (b"GET /healthz HTTP/1.1\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET /healthz HTTP/1.0\r\n\r\n", 200),
        (b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 200),
    ];
    for (request, status) in cases {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        stream.write_all(request).await.unwrap();
        let reply = read_reply(&mut stream, Duration::from_secs(5)).await;
        let what = String::from_utf8_lossy(request);
        assert_eq!(reply.status, status, "{what}");
        if status == 400 {
            reply.assert_error(400, "ValidationError");
            assert!(reply.body["message"].as_str().unwrap().contains("Host"), "{what}: {}", reply.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_creates_without_a_token_or_with_a_read_only_one_hold_no_slot_stalled_or_answered() {
    // One slot: a v2 create that held it would make the next one a 503.
    let app = TestApp::spawn_with(Settings { max_in_flight: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1]).await;
    let read_only = app.read_only_token("host-1", &[1]).await;
    let mut stalled = Vec::new();
    for i in 0..30 {
        let token = [None, Some("skd_not_a_token"), Some(read_only.as_str())][i % 3];
        let mut stream = connect_from([127, 0, 0, 2], &app).await.unwrap();
        stream.write_all(stalled_post("/cloud/v2/keypairs", token).as_bytes()).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body = |name: &str| json!({"sshkey_name": name, "project_id": 1});

    let created = app.create_keypair(&token, body("while-stalled")).await;
    assert_eq!(created.status, 201, "the only slot is free while 30 bodies stall: {}", created.body);
    for _ in 0..3 {
        let anonymous = app.request(Method::POST, "/cloud/v2/keypairs", None, Some(&body("anonymous"))).await;
        anonymous.assert_error(401, "AuthenticationError");
        app.create_keypair(&read_only, body("read-only")).await.assert_error(403, "ForbiddenError");
    }
    let after = app.create_keypair(&token, body("after-refusals")).await;
    assert_eq!(after.status, 201, "refused requests gave their slot back: {}", after.body);
    assert_eq!(app.count_rows("ssh_keys").await, 2, "nothing stalled or refused was stored");
    drop(stalled);
}

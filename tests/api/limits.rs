//! Overload and limits: the header and body read timeouts (slowloris), the
//! per-token rate limit; in submodules, admission (who gets a slot),
//! load shedding, connection limits, no error after a committed write, and
//! the exact body and header size boundaries. Odd wire-level requests go
//! over a raw `TcpStream`; the `wire` helpers are shared with `lifecycle`.

use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;
use sshkeyd::config::{HumanDuration, Settings};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::TestApp;
use wire::{RawReply, closed_within, read_reply, start_post};

/// Raw HTTP/1.1 over a `TcpStream`, for requests the test client will not send:
/// bodies that stall, heads that never end.
pub(crate) mod wire;

mod admission;
mod commit;
mod connections;
mod shedding;
mod sizes;

fn addr(app: &TestApp) -> &str {
    app.base.trim_start_matches("http://")
}

fn secs(s: u64) -> Option<HumanDuration> {
    Some(HumanDuration(Duration::from_secs(s)))
}

fn millis(ms: u64) -> Option<HumanDuration> {
    Some(HumanDuration(Duration::from_millis(ms)))
}

/// A create body for `name`.
fn create_body(name: &str) -> String {
    json!({ "name": name }).to_string()
}

/// A create whose head and first half of its body are sent: the server
/// has authenticated it and is reading its body.
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

#[tokio::test]
async fn a_body_trickled_past_the_body_read_timeout_gets_408_and_stores_nothing() {
    let app = TestApp::spawn_with(Settings { body_read_timeout: secs(1), ..Settings::default() }).await;
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

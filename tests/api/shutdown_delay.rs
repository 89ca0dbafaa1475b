//! The first step of a graceful stop, against the real binary: on SIGTERM
//! the node reports not ready (`/readyz` 503) at once, keeps serving every
//! other request and accepting connections, and closes each connection
//! after its answer (`Connection: close`), until `--shutdown-delay` has
//! passed; then new connections are refused. A second SIGTERM ends the
//! delay early.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::http_client::Client;
use crate::lifecycle::refuses_connections_within;
use crate::limits::wire::{RawReply, closed_within, read_reply};
use crate::serve::{Serve, create_token, sqlite_url};

/// Sends a kept-alive `GET path` (no `Connection: close` from the client)
/// on `stream` and reads the answer.
async fn kept_alive_get(stream: &mut TcpStream, path: &str, token: &str) -> RawReply {
    let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: APIKey {token}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    read_reply(stream, Duration::from_secs(5)).await
}

/// A kept-alive request on a new connection: its answer, and whether the
/// server then closed the connection (within a second).
async fn answer_and_close(addr: &str, path: &str, token: &str) -> (RawReply, bool) {
    let mut stream = TcpStream::connect(addr).await.expect("the listener accepts");
    let reply = kept_alive_get(&mut stream, path, token).await;
    let closed = closed_within(&mut stream, Duration::from_secs(1)).await.is_some();
    (reply, closed)
}

async fn start(delay: &str) -> (Serve, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("delay.db");
    let token = create_token(&sqlite_url(&db), "alice", &[1], &[]).0;
    let args = ["--database", &sqlite_url(&db), "--shutdown-delay", delay, "--drain-timeout", "5s"];
    let server = Serve::start(&args, &[], db.with_extension("log"), "/readyz").await;
    (server, token, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sigterm_readyz_turns_503_at_once_while_everything_else_is_served_with_connection_close_until_the_delay_ends()
 {
    let (mut server, token, _dir) = start("3s").await;
    let list = "/cloud/v1/ssh_keys/1";
    // Before: a kept-alive connection stays open across requests.
    let mut kept = TcpStream::connect(&server.addr).await.unwrap();
    let before = kept_alive_get(&mut kept, list, &token).await;
    assert_eq!((before.status, before.header("connection")), (200, None), "{:?}", before.headers);

    server.signal("TERM");
    let signalled = Instant::now();
    let client = Client::with_timeout(Duration::from_secs(5));
    let mut readyz = 200;
    while readyz != 503 && signalled.elapsed() < Duration::from_secs(1) {
        readyz = client.get(format!("{}/readyz", server.base)).send().await.unwrap().status().as_u16();
    }
    let flipped = signalled.elapsed();
    assert_eq!(readyz, 503, "/readyz reports not ready within a second of SIGTERM");
    let (not_ready, _) = answer_and_close(&server.addr, "/readyz", &token).await;
    not_ready.assert_error(503, "ServiceUnavailableError");

    // Still serving, on the kept-alive connection and on new ones, each
    // answer closing its connection.
    let on_kept = kept_alive_get(&mut kept, list, &token).await;
    assert_eq!((on_kept.status, on_kept.header("connection")), (200, Some("close")), "{:?}", on_kept.headers);
    assert!(closed_within(&mut kept, Duration::from_secs(1)).await.is_some(), "the kept-alive connection is closed");
    for path in ["/healthz", list, "/cloud/v1/ssh_keys/openapi.json"] {
        let (reply, closed) = answer_and_close(&server.addr, path, &token).await;
        assert_eq!((reply.status, reply.header("connection")), (200, Some("close")), "{path}: {:?}", reply.headers);
        assert!(closed, "{path}: the server closes the connection after the answer");
    }
    let created = client
        .post(format!("{}{list}", server.base))
        .header("Authorization", format!("APIKey {token}"))
        .json(&serde_json::json!({"name": "during-the-delay"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "writes are served during the delay");

    // The listener still accepts well into the delay...
    tokio::time::sleep(Duration::from_millis(2000).saturating_sub(signalled.elapsed())).await;
    let (late, _) = answer_and_close(&server.addr, "/healthz", &token).await;
    assert_eq!(late.status, 200, "accepted and served 2 s into a 3 s delay");
    // ...and closes once it is over.
    let refused = refuses_connections_within(&server.addr, Duration::from_secs(4)).await;
    let refused_after = signalled.elapsed();
    assert!(refused.is_some(), "new connections are refused after the delay");
    assert!(refused_after >= Duration::from_millis(2900), "not before the 3 s delay: {refused_after:?}");
    let status = server.exited_within(Duration::from_secs(10)).await;
    assert!(status.is_some_and(|s| s.success()), "exits 0: {status:?}\n{}", server.log_text());
    eprintln!("readyz 503 after {flipped:?}; connections refused after {refused_after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_during_the_delay_skips_the_rest_of_it() {
    let (mut server, token, _dir) = start("60s").await;
    server.signal("TERM");
    let signalled = Instant::now();
    let mut readyz = 200;
    while readyz != 503 && signalled.elapsed() < Duration::from_secs(2) {
        readyz = answer_and_close(&server.addr, "/readyz", &token).await.0.status;
    }
    assert_eq!(readyz, 503, "the first SIGTERM began the delay");
    let (served, _) = answer_and_close(&server.addr, "/healthz", &token).await;
    assert_eq!(served.status, 200, "still serving during the delay");

    server.signal("TERM");
    let refused = refuses_connections_within(&server.addr, Duration::from_secs(5)).await;
    assert!(refused.is_some(), "the second SIGTERM closed the listener well before the 60 s delay");
    let status = server.exited_within(Duration::from_secs(10)).await;
    assert!(status.is_some_and(|s| s.success()), "exits 0: {status:?}\n{}", server.log_text());
    assert!(server.log_text().contains("skipping the rest of the shutdown delay"), "{}", server.log_text());
    eprintln!("stopped {:?} after the first SIGTERM of a 60 s delay", signalled.elapsed());
}

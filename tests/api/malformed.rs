//! Requests that hyper refuses before any of our code sees them (it cannot
//! parse the head) still get Gcore's error shape and an `X-Request-ID`,
//! and the header limit is the documented one, not hyper's count of 100.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::TestApp;
use crate::limits::wire::{RawReply, read_reply};

async fn send(app: &TestApp, request: &[u8]) -> RawReply {
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    // The server may answer and close before all of a huge head is sent.
    let _ = stream.write_all(request).await;
    read_reply(&mut stream, Duration::from_secs(5)).await
}

fn with_headers(n: usize) -> Vec<u8> {
    let fields: String = (0..n).map(|i| format!("x-h{i}: v\r\n")).collect();
    format!("GET /healthz HTTP/1.1\r\nHost: t\r\n{fields}Connection: close\r\n\r\n").into_bytes()
}

#[tokio::test]
async fn requests_hyper_cannot_parse_get_gcores_shape_and_a_request_id() {
    let app = TestApp::spawn().await;
    let long_path = |len: usize| format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(len)).into_bytes();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("garbage request line", b"GARBAGE\r\n\r\n".to_vec(), 400, "ValidationError"),
        (
            "two different Content-Lengths",
            b"POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
            400,
            "ValidationError",
        ),
        (
            "obs-fold",
            b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\r\n  folded\r\n\r\n".to_vec(),
            400,
            "ValidationError",
        ),
        ("NUL in a header", b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n".to_vec(), 400, "ValidationError"),
        ("a 40 KB path", long_path(40_000), 414, "URITooLongError"),
        ("a 70 KB path, past hyper's buffer", long_path(70_000), 431, "RequestHeaderFieldsTooLargeError"),
        ("300 header fields", with_headers(300), 431, "RequestHeaderFieldsTooLargeError"),
    ];
    for (what, request, status, class) in cases {
        let reply = send(&app, &request).await;
        assert_eq!(reply.status, status, "{what}: {:?}", reply.body);
        reply.assert_error(status, class);
        assert_eq!(reply.header("x-request-id").map(str::len), Some(36), "{what}: a UUID request id");
    }
}

#[tokio::test]
async fn small_headers_are_limited_by_their_16_kib_and_not_by_hyper_s_count_of_100() {
    let app = TestApp::spawn().await;
    for n in [101, 250] {
        let reply = send(&app, &with_headers(n)).await;
        assert_eq!(reply.status, 200, "{n} small header fields: {:?}", reply.body);
    }
}

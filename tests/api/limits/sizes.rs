//! The exact size boundaries: a body of 64 KiB is served and one byte more
//! gets 413, whatever the framing; headers over 16 KiB in total get 431.

use std::time::Duration;

use axum::http::Method;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::wire::{self, RawReply, read_reply};
use super::{addr, create_body};
use crate::helpers::TestApp;

/// A create body padded with JSON whitespace to exactly `len` bytes.
fn padded_body(name: &str, len: usize) -> String {
    let body = create_body(name);
    let mut padded = body[..body.len() - 1].to_owned();
    padded.push_str(&" ".repeat(len - body.len()));
    padded.push('}');
    assert_eq!(padded.len(), len);
    padded
}

/// POSTs `body` over a raw connection, with Content-Length or chunked in
/// 4 KiB chunks, and reads the reply.
async fn raw_post(app: &TestApp, token: &str, body: &str, chunked: bool) -> RawReply {
    let mut stream = TcpStream::connect(addr(app)).await.unwrap();
    if chunked {
        let head = post_head_chunked(token);
        stream.write_all(head.as_bytes()).await.unwrap();
        for chunk in body.as_bytes().chunks(4096) {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            if stream.write_all(&framed).await.is_err() {
                break; // the server answered early and closed
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
    } else {
        let head = wire::post_head("/cloud/v1/ssh_keys/1", token, body.len(), false);
        stream.write_all(head.as_bytes()).await.unwrap();
        let _ = stream.write_all(body.as_bytes()).await;
    }
    read_reply(&mut stream, Duration::from_secs(5)).await
}

fn post_head_chunked(token: &str) -> String {
    format!(
        "POST /cloud/v1/ssh_keys/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: APIKey {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
}

#[tokio::test]
async fn a_body_of_exactly_64_kib_is_accepted_and_one_byte_more_gets_413_with_or_without_content_length() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    for chunked in [false, true] {
        let framing = if chunked { "chunked" } else { "Content-Length" };
        let name = if chunked { "edge-chunked" } else { "edge-length" };
        let fits = raw_post(&app, &token, &padded_body(name, 64 * 1024), chunked).await;
        assert_eq!(fits.status, 201, "{framing}: exactly 64 KiB fits: {}", fits.body);
        assert_eq!(fits.body["name"], name);
        let over = raw_post(&app, &token, &padded_body(&format!("{name}-over"), 64 * 1024 + 1), chunked).await;
        over.assert_error(413, "PayloadTooLargeError");
    }
    assert_eq!(app.count_rows("ssh_keys").await, 2);
}

#[tokio::test]
async fn headers_over_16_kib_in_total_get_431_however_they_are_split_and_just_under_is_served() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let send = |headers: Vec<(String, String)>| {
        let mut request =
            app.raw(Method::GET, "/cloud/v1/ssh_keys/1").header("Authorization", format!("APIKey {token}"));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move { TestApp::reply(request.send().await.unwrap()).await }
    };
    let many = |n: usize, size: usize| (0..n).map(|i| (format!("x-pad-{i:02}"), "p".repeat(size))).collect::<Vec<_>>();
    // Each header costs name + value + 4 bytes; ~1 KiB goes to the rest.
    let under = send(many(14, 1000)).await;
    assert_eq!(under.status, 200, "about 15 KiB of headers are served: {}", under.body);
    let cases = [("40 headers of 500 bytes", many(40, 500)), ("one 17 KiB header", many(1, 17 * 1024))];
    for (what, headers) in cases {
        let reply = send(headers).await;
        assert_eq!(reply.status.as_u16(), 431, "{what}: {}", reply.body);
        reply.assert_error(431, "RequestHeaderFieldsTooLargeError");
    }
    // Past hyper's 64 KiB read buffer hyper answers itself, reshaped.
    for size in [40 * 1024, 70 * 1024] {
        let huge = send(many(1, size)).await;
        huge.assert_error(431, "RequestHeaderFieldsTooLargeError");
    }
}

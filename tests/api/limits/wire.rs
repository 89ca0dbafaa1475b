//! Raw HTTP/1.1 over a `TcpStream`, for requests the test client will not send:
//! bodies that stall, heads that never end.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::assert_gcore_error;

/// A response read off the socket.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl RawReply {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts the status and Gcore's error shape.
    pub fn assert_error(&self, status: u16, exception_class: &str) {
        assert_gcore_error((self.status, &self.body, self.header("x-request-id")), status, exception_class);
    }
}

/// The head of a JSON POST whose body is `len` bytes; the server closes
/// the connection after answering.
pub fn post_head(path: &str, token: &str, len: usize, expect_continue: bool) -> String {
    let expect = if expect_continue { "Expect: 100-continue\r\n" } else { "" };
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: APIKey {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n{expect}\r\n"
    )
}

/// Sends the head of a POST of a `len`-byte body and waits for hyper's
/// `100 Continue`, which it sends when the handler first reads the body:
/// from then on the request is in flight, inside every limit.
pub async fn start_post(addr: &str, path: &str, token: &str, len: usize) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(post_head(path, token, len, true).as_bytes()).await.unwrap();
    let interim = tokio::time::timeout(Duration::from_secs(5), read_head(&mut stream))
        .await
        .expect("100 Continue within 5 s")
        .expect("100 Continue before the connection closed");
    assert!(interim.starts_with("HTTP/1.1 100"), "expected 100 Continue, got {interim:?}");
    stream
}

/// The first response head the server sends (interim ones included),
/// within `within`.
pub async fn read_first_head(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> String {
    let head = tokio::time::timeout(within, read_head(stream)).await;
    head.unwrap_or_else(|_| panic!("no response within {within:?}")).expect("a response before the connection closed")
}

/// Reads one response head, byte by byte so nothing after it is
/// consumed; `None` if the connection ends first.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> Option<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 64 * 1024, "response head over 64 KiB");
        match stream.read_u8().await {
            Ok(b) => head.push(b),
            Err(_) => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn parse_head(head: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok());
    let status = status.unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

async fn read_line(stream: &mut (impl AsyncRead + Unpin)) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        assert!(line.len() < 1024, "chunk size line over 1 KiB");
        line.push(stream.read_u8().await.expect("chunked body cut short"));
    }
    String::from_utf8_lossy(&line).trim().to_owned()
}

async fn read_body(stream: &mut (impl AsyncRead + Unpin), headers: &[(String, String)]) -> Vec<u8> {
    let get = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let mut body = Vec::new();
    if let Some(len) = get("content-length") {
        body.resize(len.parse().expect("numeric Content-Length"), 0);
        stream.read_exact(&mut body).await.expect("body of Content-Length bytes");
    } else if get("transfer-encoding").is_some_and(|te| te.contains("chunked")) {
        for _ in 0..100_000 {
            let size = usize::from_str_radix(read_line(stream).await.split(';').next().unwrap(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await.expect("chunk");
            body.extend_from_slice(&chunk[..size]);
            if size == 0 {
                break;
            }
        }
    } else {
        let _ = stream.take(1 << 20).read_to_end(&mut body).await;
    }
    body
}

/// Reads the final response (skipping 1xx ones); panics if none comes
/// within `within`.
pub async fn read_reply(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> RawReply {
    let read = async {
        for _ in 0..10 {
            let head = read_head(stream).await.expect("a response before the connection closed");
            let (status, headers) = parse_head(&head);
            if (100..200).contains(&status) {
                continue;
            }
            let bytes = read_body(stream, &headers).await;
            let text = String::from_utf8_lossy(&bytes);
            let body = if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()))
            };
            return RawReply { status, headers, body };
        }
        panic!("more than 10 interim responses");
    };
    tokio::time::timeout(within, read).await.unwrap_or_else(|_| panic!("no response within {within:?}"))
}

/// Reads whatever the server sends until it closes the connection (EOF
/// or reset). `Some(elapsed)` if it closed within `within`.
pub async fn closed_within(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    let drain = async {
        for _ in 0..1024 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
        panic!("the server sent over 4 MiB on a connection that should be closing");
    };
    tokio::time::timeout(within, drain).await.ok().map(|()| started.elapsed())
}

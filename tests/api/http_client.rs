//! A small HTTP/1.1 client for the tests, shaped like the part of reqwest
//! they use (`Client`, `RequestBuilder`, `Response`).
//!
//! Why not reqwest: as a dev-dependency it switches on hyper's client,
//! tower's retry and syn's fold/visit features, and Cargo's feature
//! unification then rebuilds most of the dependency tree for `cargo test`
//! after `cargo build` (about five minutes of CI on two cores). This client
//! opens one connection per request, sends `Connection: close` and reads to
//! end of stream, which is all a loopback test needs.

use std::io;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a request may take when the client sets no timeout of its own;
/// a test that hangs fails instead of blocking CI.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends requests to `http://` URLs with a per-request timeout.
#[derive(Clone, Debug)]
pub struct Client {
    timeout: Duration,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A client with the default timeout.
    pub fn new() -> Self {
        Self { timeout: DEFAULT_TIMEOUT }
    }

    /// A client whose requests fail after `timeout`.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self { timeout }
    }

    /// A request with any method.
    pub fn request(&self, method: Method, url: impl Into<String>) -> RequestBuilder {
        RequestBuilder { timeout: self.timeout, method, url: url.into(), headers: Vec::new(), body: Vec::new() }
    }

    /// A GET request.
    pub fn get(&self, url: impl Into<String>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// A POST request.
    pub fn post(&self, url: impl Into<String>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// A DELETE request.
    pub fn delete(&self, url: impl Into<String>) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }
}

/// A request being put together; header values may be any bytes, so tests
/// can send what well-behaved clients would refuse to.
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    timeout: Duration,
    method: Method,
    url: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl RequestBuilder {
    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// Sets the body as is.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.header("Content-Type", "application/json").body(serde_json::to_vec(value).expect("serialisable"))
    }

    /// Sends the request and reads the whole response.
    pub async fn send(self) -> io::Result<Response> {
        let timeout = self.timeout;
        tokio::time::timeout(timeout, self.exchange())
            .await
            .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, format!("no response in {timeout:?}"))))
    }

    async fn exchange(self) -> io::Result<Response> {
        let (authority, target) = split_url(&self.url)?;
        let mut stream = TcpStream::connect(authority).await?;
        let written = stream.write_all(&self.encode(authority, target)).await;
        let mut raw = Vec::new();
        let read = stream.read_to_end(&mut raw).await;
        // A server may answer before reading the whole body; its answer
        // counts even when our write then failed.
        match (parse_response(&raw), written, read) {
            (Some(response), _, _) => Ok(response),
            (None, Err(e), _) | (None, _, Err(e)) => Err(e),
            (None, Ok(()), Ok(_)) => Err(io::Error::new(io::ErrorKind::InvalidData, "malformed HTTP response")),
        }
    }

    fn encode(&self, authority: &str, target: &str) -> Vec<u8> {
        let mut head = format!("{} {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n", self.method);
        if !self.body.is_empty() || matches!(self.method, Method::POST | Method::PUT | Method::PATCH) {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        let mut bytes = head.into_bytes();
        for (name, value) in &self.headers {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// `http://host:port/path?query` → (`host:port`, `/path?query`).
fn split_url(url: &str) -> io::Result<(&str, &str)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("not an http:// URL: {url}")))?;
    Ok(match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    })
}

/// A whole response, read to the end.
#[derive(Debug)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as text (async to read like reqwest at the call sites).
    pub async fn text(self) -> io::Result<String> {
        String::from_utf8(self.body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// Parses status line, headers and body; `None` when the bytes are not a
/// complete response.
fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse::<u16>().ok()?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.append(HeaderName::try_from(name.trim()).ok()?, HeaderValue::try_from(value.trim()).ok()?);
    }
    let rest = &raw[end + 4..];
    let chunked = headers.get("transfer-encoding").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let body = if chunked { dechunk(rest)? } else { rest.to_vec() };
    Some(Response { status: StatusCode::from_u16(status).ok()?, headers, body })
}

/// Decodes a chunked body (no trailers are expected from sshkeyd).
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    for _ in 0..rest.len() + 1 {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).ok()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(body);
        }
        let start = line_end + 2;
        body.extend_from_slice(rest.get(start..start + size)?);
        rest = rest.get(start + size + 2..)?;
    }
    None
}

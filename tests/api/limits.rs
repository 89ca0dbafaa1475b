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
pub(crate) mod wire {
    use std::time::{Duration, Instant};

    use serde_json::Value;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

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

        /// Asserts the status and Gcore's error shape, as `Reply::assert_error`.
        pub fn assert_error(&self, status: u16, exception_class: &str) {
            assert_eq!(self.status, status, "body: {}", self.body);
            assert_eq!(self.body["exception_class"], exception_class, "body: {}", self.body);
            assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {}", self.body);
            assert_eq!(
                self.body["request_id"].as_str(),
                self.header("x-request-id"),
                "request_id matches X-Request-ID"
            );
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
}

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
    // Past hyper's 32 KiB read buffer the connection layer answers itself.
    let huge = send(many(1, 40 * 1024)).await;
    assert_eq!(huge.status.as_u16(), 431, "one 40 KiB header: {}", huge.body);
}

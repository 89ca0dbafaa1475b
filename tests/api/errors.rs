//! Malformed requests: every one gets a 4xx in Gcore's error shape and
//! changes nothing.

use axum::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_bodies_get_a_clear_4xx_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let auth = format!("APIKey {token}");
    let big = format!("{{\"name\": \"big-key\", \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    let cases: [(&str, String, u16, &str, &str); 6] = [
        ("application/json", "{\"name\": ".into(), 400, "ValidationError", "truncated JSON"),
        ("application/json", "not json".into(), 400, "ValidationError", "not JSON at all"),
        ("application/json", "[\"name\"]".into(), 400, "ValidationError", "JSON but not an object"),
        ("text/plain", "{\"name\": \"abc\"}".into(), 415, "UnsupportedMediaTypeError", "wrong content type"),
        ("application/json", big, 413, "PayloadTooLargeError", "body over 64 KiB"),
        ("application/json", String::new(), 400, "ValidationError", "empty body"),
    ];
    for (content_type, body, status, class, why) in cases {
        let response = app
            .raw(Method::POST, "/cloud/v1/ssh_keys/1")
            .header("Authorization", &auth)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let reply = TestApp::reply(response).await;
        assert_eq!(reply.status.as_u16(), status, "{why}: {}", reply.body);
        reply.assert_error(status, class);
    }
    let missing_type = app.raw(Method::POST, "/cloud/v1/ssh_keys/1").header("Authorization", &auth).body("{}");
    TestApp::reply(missing_type.send().await.unwrap()).await.assert_error(415, "UnsupportedMediaTypeError");
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

#[tokio::test]
async fn bad_project_ids_get_400() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let refused = ["abc", "-1", "0", "01", "001", "1.5", "9007199254740992", "99999999999999999999999", "%20", "+1"];
    for project in refused {
        let reply = app
            .request(
                Method::POST,
                &format!("/cloud/v1/ssh_keys/{project}"),
                Some(&token),
                Some(&json!({"name": "abc"})),
            )
            .await;
        reply.assert_error(400, "ValidationError");
        let problem = "must be an integer from 1 to 9007199254740991";
        assert_eq!(reply.body["invalid_fields"]["project_id"], problem, "project {project}: {}", reply.body);
        assert_eq!(reply.body["message"], format!("project_id: {problem}"), "project {project}");
    }
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

#[tokio::test]
async fn a_key_id_not_spelled_as_a_lower_case_hyphenated_uuid_gets_400() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let created = app.create_key(&token, 1, json!({"name": "one-spelling"})).await;
    let canonical = created.str("id").to_owned();
    assert_eq!(app.get_key(&token, 1, &canonical).await.status, 200);
    // The same key in the spellings `uuid` would also read: one path per key.
    let upper = canonical.to_uppercase();
    let simple = canonical.replace('-', "");
    let urn = format!("urn:uuid:{canonical}");
    let braced = format!("{{{canonical}}}");
    let others = ["not-a-uuid", "123", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", &upper, &simple, &urn, &braced];
    for id in others {
        let reply = app.get_key(&token, 1, id).await;
        reply.assert_error(400, "ValidationError");
        assert!(reply.body["invalid_fields"]["ssh_key_id"].as_str().unwrap().contains("lower-case hyphenated"));
        app.delete_key(&token, 1, id).await.assert_error(400, "ValidationError");
        app.update_key(&token, 1, id, json!({"shared_in_project": true})).await.assert_error(400, "ValidationError");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_keep_the_error_shape() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    app.request(Method::GET, "/cloud/v1/nothing", Some(&token), None).await.assert_error(404, "NotFoundError");
    app.request(Method::PUT, "/cloud/v1/ssh_keys/1", Some(&token), None)
        .await
        .assert_error(405, "MethodNotAllowedError");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_proxys_id_is_kept() {
    let app = TestApp::spawn().await;
    let health = app.raw(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(health.headers().get("x-request-id").unwrap().len(), 36, "a UUID when none is sent");
    let sent = app.raw(Method::GET, "/cloud/v1/ssh_keys/1").header("X-Request-ID", "proxy-id-1234").send();
    let reply = TestApp::reply(sent.await.unwrap()).await;
    reply.assert_error(401, "AuthenticationError");
    assert_eq!(reply.body["request_id"], "proxy-id-1234");
}

#[tokio::test]
async fn odd_query_strings_and_headers_get_4xx_never_5xx() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let long = "n".repeat(5000);
    let queries = [
        "limit=%FF".to_owned(),
        "name=%00%01".to_owned(),
        "limit=1&limit=2".to_owned(),
        format!("name={long}"),
        "offset=18446744073709551616".to_owned(),
        "order_by=%E2%80%AE".to_owned(),
    ];
    for query in queries {
        let reply = app.list_keys(&token, 1, &query).await;
        assert!(reply.status.is_client_error() || reply.status == 200, "{query}: {}", reply.status);
    }
    let odd_auth = app.raw(Method::GET, "/cloud/v1/ssh_keys/1").header("Authorization", vec![0xffu8, 0xfe]).send();
    TestApp::reply(odd_auth.await.unwrap()).await.assert_error(401, "AuthenticationError");
    let huge_header = app.raw(Method::GET, "/healthz").header("X-Big", "h".repeat(20 * 1024)).send().await.unwrap();
    assert_eq!(huge_header.status(), 431, "headers over 16 KiB");
}

/// Reads one HTTP/1.1 response head and its `Content-Length` body.
async fn read_response(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for _ in 0..100 {
        let n =
            tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "the server closed the connection: {}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0usize);
            if body.len() >= length {
                return text;
            }
        }
    }
    panic!("no complete response");
}

#[tokio::test]
async fn a_connection_stays_usable_after_an_error_answered_before_the_body_arrived() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn().await;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let body = r#"{"name": "late-body"}"#;
    let head = format!(
        "POST /cloud/v1/ssh_keys/1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stream.write_all(body.as_bytes()).await.unwrap();
    let first = read_response(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 401"), "{first}");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    let second = read_response(&mut stream).await;
    assert!(second.starts_with("HTTP/1.1 200"), "the same connection serves the next request: {second}");
}

#[tokio::test]
async fn the_readmes_error_example_is_what_the_server_says() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let reply = app.create_key(&token, 1, json!({"name": "ab"})).await;
    reply.assert_error(400, "ValidationError");
    let readme = include_str!("../../README.md");
    // Values as JSON (quoted), laid out as the README writes them.
    let message = format!("\"message\": {}", reply.body["message"]);
    let fields = format!("\"invalid_fields\": {{\"name\": {}}}", reply.body["invalid_fields"]["name"]);
    assert!(readme.contains(&message), "README lacks {message}");
    assert!(readme.contains(&fields), "README lacks {fields}");
}

#[tokio::test]
async fn a_body_with_one_meaning_only_duplicate_keys_huge_numbers_and_deep_nesting_are_named() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let post = |body: String| {
        let request = app
            .raw(Method::POST, "/cloud/v1/ssh_keys/1")
            .header("Authorization", format!("APIKey {token}"))
            .header("Content-Type", "application/json")
            .body(body);
        async move { TestApp::reply(request.send().await.unwrap()).await }
    };
    let duplicate = post(r#"{"name":"a1a","name":"b2b"}"#.into()).await;
    duplicate.assert_error(400, "ValidationError");
    assert!(duplicate.str("message").starts_with("name: is given more than once"), "{}", duplicate.body);
    let nested = post(r#"{"name":"a1a","meta":{"x":1,"x":2}}"#.into()).await;
    assert!(nested.body["invalid_fields"]["meta.x"].is_string(), "{}", nested.body);
    let huge = post(r#"{"name":"a1a","x":1e309}"#.into()).await;
    huge.assert_error(400, "ValidationError");
    assert!(huge.str("message").starts_with("x: is a number too large"), "{}", huge.body);
    let deep = post(format!(r#"{{"name":"a1a","x":{}{}}}"#, "[".repeat(300), "]".repeat(300))).await;
    deep.assert_error(400, "ValidationError");
    assert!(deep.str("message").contains("nesting too deep"), "{}", deep.body);
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

#[tokio::test]
async fn field_errors_read_field_colon_problem_once_with_each_faces_field_names() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let dsa = "ssh-dss AAAAB3NzaC1kc3MAAACBAP";
    let two_keys = format!("{k}\n{k}", k = crate::keygen::keygen("ed25519", None).public);
    let v1 = |body: Value| app.create_key(&token, 1, body);
    let v2 = |body: Value| app.create_keypair(&token, body);
    // (reply, the field it must name, the start of its problem)
    let cases = [
        (v1(json!({"name": "ab"})).await, "name", "must be 3 to 63 characters long"),
        (v1(json!({"name": "abc", "public_key": dsa})).await, "public_key", "DSA (ssh-dss) keys are not accepted"),
        (v1(json!({"name": "abc", "public_key": two_keys})).await, "public_key", "holds more than one key"),
        (v1(json!({"name": "abc", "public_key": 5})).await, "public_key", "must be a string"),
        (v2(json!({"sshkey_name": "ab", "project_id": 1})).await, "sshkey_name", "must be 3 to 63 characters long"),
        (v2(json!({"project_id": 1})).await, "sshkey_name", "is required"),
        (
            v2(json!({"sshkey_name": "abc", "project_id": 1, "public_key": two_keys})).await,
            "public_key",
            "holds more than one key",
        ),
        (v2(json!({"sshkey_name": "abc", "project_id": "1"})).await, "project_id", "must be an integer from 1 to"),
        (v2(json!({"sshkey_name": "abc"})).await, "project_id", "is required"),
        (app.list_keypairs(&token, "project_id=01").await, "project_id", "must be an integer from 1 to"),
    ];
    for (reply, field, problem) in cases {
        reply.assert_error(400, "ValidationError");
        let stated = reply.body["invalid_fields"][field].as_str().unwrap_or_else(|| panic!("{field}: {}", reply.body));
        assert!(stated.starts_with(problem), "{field}: {stated:?} should start with {problem:?}");
        assert_eq!(reply.str("message"), format!("{field}: {stated}"), "one field, named once");
        let named = ["name", "sshkey_name", "public_key", "project_id"];
        assert!(!named.iter().any(|n| stated.starts_with(&format!("{n} "))), "{field}: the problem names a field");
    }
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

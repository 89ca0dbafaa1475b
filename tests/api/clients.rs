//! Replays of what each Gcore client sends, request by request, exactly as
//! its source builds them: method, path and query encoding, headers, and
//! bodies with their key order; and checks of what the client decodes from
//! each answer. The sources read (tags and commits in the README's
//! compatibility table):
//!
//! - `gcore_go`: G-Core/gcore-go v0.50.0, `cloud/sshkey.go` and its
//!   request config, pagination and JSON decoder;
//! - `terraform_v2`: G-Core/terraform-provider-gcore v2.0.0-alpha.11,
//!   `gcore_cloud_ssh_key(s)`, which calls gcore-go v0.50.0;
//! - `terraform_v0`: G-Core/terraform-provider-gcore v0.34.3, `gcore_keypair`,
//!   through G-Core/gcorelabscloud-go v0.29.5 `gcore/keypair/v2/keypairs`.
//!
//! The test client adds `Host`, `Content-Length` (with a body) and
//! `Connection: close` to every request. Go's `net/http` sends the first two
//! too, and gcorelabscloud-go also `Connection: close`; gcore-go keeps its
//! connections open, which changes nothing for a single request.

mod gcore_go;
mod terraform_v0;
mod terraform_v2;

use axum::http::Method;
use serde_json::Value;

use crate::helpers::{Reply, TestApp};

/// Sends one request with exactly these headers, in this order, and `body`
/// as raw bytes.
pub async fn send(
    app: &TestApp,
    method: Method,
    target: &str,
    headers: &[(&str, String)],
    body: Option<&str>,
) -> Reply {
    let mut request = app.raw(method, target);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    if let Some(body) = body {
        request = request.body(body.as_bytes().to_vec());
    }
    TestApp::reply(request.send().await.expect("the server answers")).await
}

/// A JSON string literal, as Go's `encoding/json` writes one for the text
/// of a public key (which holds none of the characters Go escapes further:
/// `<`, `>`, `&`, U+2028, U+2029).
pub fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// Asserts `created_at` parses as Go's `time.RFC3339` does (and
/// Terraform's `timetypes.RFC3339`): a date, `T`, a time, optional
/// fraction, and `Z` or an offset.
pub fn assert_rfc3339(value: &Value) {
    let text = value.as_str().unwrap_or_else(|| panic!("created_at is a string: {value}"));
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339);
    assert!(parsed.is_ok() && text.as_bytes().get(10) == Some(&b'T'), "RFC 3339: {text}");
}

/// The header's value, or "".
pub fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

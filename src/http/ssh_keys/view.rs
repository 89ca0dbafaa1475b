//! The JSON shapes of the SSH key resource, exactly Gcore's serializers.

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::store::{KeyPage, SshKey};

/// Gcore's `SSHKeySerializer`, used by get, list and update.
#[derive(Debug, Serialize)]
pub struct SshKeyView<'a> {
    id: Uuid,
    name: &'a str,
    public_key: &'a str,
    fingerprint: &'a str,
    state: &'static str,
    project_id: i64,
    shared_in_project: bool,
    created_at: String,
}

impl<'a> From<&'a SshKey> for SshKeyView<'a> {
    fn from(key: &'a SshKey) -> Self {
        Self {
            id: key.id.0,
            name: &key.name,
            public_key: &key.public_key,
            fingerprint: &key.fingerprint,
            // Deletion is synchronous here, so a visible key is always active.
            state: "ACTIVE",
            project_id: key.project.0,
            shared_in_project: key.shared,
            created_at: key.created_at.to_rfc3339(),
        }
    }
}

/// Gcore's `CreatedSSHKeySerializer`: the key plus `private_key`, which is
/// a string only when the server generated the pair, and `null` otherwise.
#[derive(Serialize)]
struct CreatedView<'a> {
    #[serde(flatten)]
    key: SshKeyView<'a>,
    private_key: Option<&'a str>,
}

/// The list envelope: `count` is the total matching, not the page size.
#[derive(Serialize)]
struct PageView<'a> {
    count: u64,
    results: Vec<SshKeyView<'a>>,
}

/// 200 with one key.
pub fn key_response(key: &SshKey) -> Response {
    axum::Json(SshKeyView::from(key)).into_response()
}

/// 200 with a page of keys.
pub fn page_response(page: &KeyPage) -> Response {
    let results = page.keys.iter().map(SshKeyView::from).collect();
    axum::Json(PageView { count: page.count, results }).into_response()
}

/// 201 for a create. When the body carries a private key it is serialised
/// into zeroizing memory sized up front (so no reallocation leaves copies
/// behind), and that buffer is handed to the response as its owner, so the
/// bytes are wiped when the response body is dropped.
pub fn created_response(key: &SshKey, private_key: Option<&Zeroizing<String>>) -> Response {
    let view = CreatedView { key: SshKeyView::from(key), private_key: private_key.map(|p| p.as_str()) };
    let mut buf = Zeroizing::new(Vec::with_capacity(4096));
    if let Err(e) = serde_json::to_writer(&mut *buf, &view) {
        return super::super::ApiError::Internal(e.into()).into_response();
    }
    let mut response = Response::new(Body::from(Bytes::from_owner(buf)));
    *response.status_mut() = StatusCode::CREATED;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // A response with a private key must not be kept by any cache.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

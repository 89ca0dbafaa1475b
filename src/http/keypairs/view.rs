//! The JSON shapes of the v2 face: gcorelabscloud-go's `KeyPair`
//! (`sshkey_id`, `sshkey_name`, `fingerprint`, `public_key`, `private_key`,
//! `project_id`), plus the fields the v1 face also returns (sshkeyd's
//! `fingerprint_sha256` and `is_owner` included), which that client
//! ignores. The OpenAPI schemas are derived from these structs.

use axum::{http::StatusCode, response::Response};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::super::no_store::no_store_json;
use super::super::reply::json;
use super::super::ssh_keys::KeypairState;
use crate::domain::{SshKey, UserId};
use crate::store::KeyPage;

/// One key.
#[derive(Serialize, ToSchema)]
#[schema(as = KeypairV2, title = "Key pair (v2)", description = "An SSH key as the v2 face returns it")]
pub struct KeypairView<'a> {
    /// SSH key ID
    #[schema(format = "uuid4", examples("36a7a97a-0672-4911-8f2b-92cd4e5b0d91"))]
    sshkey_id: Uuid,
    /// SSH key name
    #[schema(examples("my-ssh-key"))]
    sshkey_name: &'a str,
    /// MD5 fingerprint, as `ssh-keygen -l -E md5` prints it without `MD5:`
    #[schema(examples("86:75:ce:e7:e9:1e:f0:79:ec:6f:d8:92:9b:43:fc:4d"))]
    fingerprint: &'a str,
    /// SHA-256 fingerprint: `SHA256:` and unpadded base64, exactly as
    /// `ssh-keygen -l` prints it and sshd logs it
    #[schema(examples("SHA256:8+r6nb5uLviuzs1foM96p7MlQNOSWJwQar/9G63DCEY"))]
    fingerprint_sha256: &'a str,
    /// The public key: an OpenSSH line exactly as it was sent, or the line
    /// an RFC 4716 or PEM key was converted to
    #[schema(examples(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIjxL6g1II8NsO8odvBwGKvq2Dx/h/xrvsV9b9LVIYKm my-username@my-hostname\n"
    ))]
    public_key: &'a str,
    /// The generated private key (OpenSSH format), in the response to a
    /// create without `public_key` only, and never again; `null` otherwise
    #[schema(value_type = Option<String>, required = true)]
    private_key: Option<&'a str>,
    /// Project ID
    #[schema(examples(1))]
    project_id: i64,
    /// Visible to every user of the project, or only to its creator
    shared_in_project: bool,
    /// SSH key state
    #[schema(value_type = KeypairState)]
    state: &'static str,
    /// Creation time (RFC 3339, UTC)
    #[schema(format = DateTime, examples("2025-06-16T17:05:50Z"))]
    created_at: String,
    /// Whether the caller created this key
    is_owner: bool,
}

impl<'a> KeypairView<'a> {
    fn new(key: &'a SshKey, viewer: UserId, private_key: Option<&'a str>) -> Self {
        Self {
            sshkey_id: key.id.0,
            sshkey_name: &key.name,
            fingerprint: &key.fingerprint,
            fingerprint_sha256: &key.fingerprint_sha256,
            public_key: &key.public_key,
            private_key,
            project_id: key.project.0,
            shared_in_project: key.shared,
            // Deletion is synchronous here, so a visible key is always active.
            state: "ACTIVE",
            created_at: key.created_at.to_rfc3339(),
            is_owner: key.owner == viewer,
        }
    }
}

/// A link to another page.
#[derive(Serialize, ToSchema)]
#[schema(as = KeypairV2Link)]
pub struct LinkView {
    /// Always `next`
    #[schema(examples("next"))]
    rel: &'static str,
    /// The next page's absolute URL, built from the request's `Host` and
    /// scheme (see the README)
    #[schema(format = "uri", examples("https://sshkeyd.example/cloud/v2/keypairs?project_id=1&offset=100"))]
    href: String,
}

/// A page of keys.
#[derive(Serialize, ToSchema)]
#[schema(as = KeypairV2List, title = "A page of key pairs (v2)")]
pub struct PageView<'a> {
    /// Keys matching the query in all (not only this page)
    count: u64,
    /// This page of keys, newest first
    results: Vec<KeypairView<'a>>,
    /// `[{"rel": "next", "href": ...}]` while a next page exists; empty on the last
    links: Vec<LinkView>,
}

/// 200 with one key.
pub fn key_response(key: &SshKey, viewer: UserId) -> Response {
    json(StatusCode::OK, &KeypairView::new(key, viewer, None))
}

/// 200 with a page of keys and, unless it is the last, the next page's URL.
pub fn page_response(page: &KeyPage, viewer: UserId, next: Option<String>) -> Response {
    let results = page.keys.iter().map(|key| KeypairView::new(key, viewer, None)).collect();
    let links = next.map(|href| LinkView { rel: "next", href }).into_iter().collect();
    json(StatusCode::OK, &PageView { count: page.count, results, links })
}

/// 201 for a create, in zeroizing memory and uncached (see `no_store_json`).
pub fn created_response(key: &SshKey, viewer: UserId, private_key: Option<&Zeroizing<String>>) -> Response {
    no_store_json(StatusCode::CREATED, &KeypairView::new(key, viewer, private_key.map(|p| p.as_str())))
}

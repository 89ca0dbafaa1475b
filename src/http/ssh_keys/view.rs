//! The JSON shapes of the SSH key resource: Gcore's serializers, plus
//! `is_owner`, which tells clients (the console) which keys they may change.
//!
//! The OpenAPI schemas of the responses are derived from these same structs
//! (field names, types and doc comments), so the document cannot drift from
//! what is sent.

use axum::{http::StatusCode, response::Response};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::super::no_store::no_store_json;
use super::super::reply::json;
use crate::domain::{SshKey, UserId};
use crate::store::KeyPage;

/// Gcore's `SSHKeySerializer`, used by get, list and update.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SSHKeySerializer, title = "SSH key", description = "An SSH key, as get, list and update return it")]
pub struct SshKeyView<'a> {
    /// SSH key ID
    #[schema(format = "uuid4", examples("36a7a97a-0672-4911-8f2b-92cd4e5b0d91"))]
    id: Uuid,
    /// SSH key name
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$",
        examples("my-ssh-key")
    )]
    name: &'a str,
    /// The public part of an SSH key is the shareable portion of an SSH key
    /// pair. It can be safely sent to servers or services to grant access.
    /// It does not contain sensitive information.
    #[schema(examples(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIjxL6g1II8NsO8odvBwGKvq2Dx/h/xrvsV9b9LVIYKm my-username@my-hostname"
    ))]
    public_key: &'a str,
    /// Fingerprint
    #[schema(examples("86:75:ce:e7:e9:1e:f0:79:ec:6f:d8:92:9b:43:fc:4d"))]
    fingerprint: &'a str,
    /// SHA-256 fingerprint: `SHA256:` and unpadded base64, exactly as
    /// `ssh-keygen -l` prints it and sshd logs it (an sshkeyd extension to
    /// Gcore's schema)
    #[schema(examples("SHA256:8+r6nb5uLviuzs1foM96p7MlQNOSWJwQar/9G63DCEY"))]
    fingerprint_sha256: &'a str,
    /// SSH key state
    #[schema(value_type = KeypairState)]
    state: &'static str,
    /// Project ID
    #[schema(examples(1))]
    project_id: i64,
    /// SSH key will be visible to all users in the project
    #[schema(examples(true))]
    shared_in_project: bool,
    /// SSH key creation time
    #[schema(format = DateTime, examples("2025-06-16T17:05:50Z"))]
    created_at: String,
    /// Whether the caller created this key, and so may share, unshare or
    /// delete it (an sshkeyd extension to Gcore's schema)
    #[schema(examples(true))]
    is_owner: bool,
}

/// Gcore's `KeypairState`. Only documents the wire values: a key is always
/// `ACTIVE` here, as deletion is synchronous.
#[derive(ToSchema)]
#[schema(title = "KeypairState", description = "SSH key state")]
#[allow(dead_code, clippy::upper_case_acronyms)]
pub enum KeypairState {
    /// In use.
    ACTIVE,
    /// Being deleted (Gcore deletes asynchronously; sshkeyd never reports it).
    DELETING,
}

impl<'a> SshKeyView<'a> {
    /// The key as `viewer` sees it: only `is_owner` depends on who asks.
    fn new(key: &'a SshKey, viewer: UserId) -> Self {
        Self {
            id: key.id.0,
            name: &key.name,
            public_key: &key.public_key,
            fingerprint: &key.fingerprint,
            fingerprint_sha256: &key.fingerprint_sha256,
            // Deletion is synchronous here, so a visible key is always active.
            state: "ACTIVE",
            project_id: key.project.0,
            shared_in_project: key.shared,
            created_at: key.created_at.to_rfc3339(),
            is_owner: key.owner == viewer,
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

/// The OpenAPI schema of [`CreatedView`]. utoipa renders `#[serde(flatten)]`
/// as an `allOf`, while Gcore's document has one flat object, so the schema is
/// built from [`SshKeyView`]'s (no field is written twice) plus `private_key`.
pub struct CreatedSshKeySchema;

const PRIVATE_KEY_DOC: &str = "The private part of an SSH key is the confidential portion of the key pair. \
It should never be shared or exposed. This key is used to prove your identity when connecting to a server.\n\n\
If you omit the `public_key`, the platform will generate a key for you. The `private_key` will be returned \
**once** in the API response. Be sure to save it securely, as it cannot be retrieved again later.\n\n\
Best practice: Save the private key to a secure location on your machine (e.g., `~/.ssh/id_ed25519`) and \
set the file permissions to be readable only by you.";

impl PartialSchema for CreatedSshKeySchema {
    fn schema() -> RefOr<Schema> {
        let RefOr::T(Schema::Object(key)) = SshKeyView::schema() else {
            unreachable!("a derived struct schema is an object")
        };
        // `anyOf` rather than `type: [string, null]`, exactly as Gcore has it.
        let private_key = AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(PRIVATE_KEY_DOC))
            .examples([serde_json::json!("<private_key>")]);
        let created = ObjectBuilder::from(key)
            .title(Some("Created SSH key response object"))
            .description(None::<String>)
            .property("private_key", private_key)
            .required("private_key")
            .build();
        RefOr::T(Schema::Object(created))
    }
}

impl ToSchema for CreatedSshKeySchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "CreatedSSHKeySerializer".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <SshKeyView as ToSchema>::schemas(schemas);
    }
}

/// The list envelope: `count` is the total matching, not the page size.
#[derive(Serialize, ToSchema)]
#[schema(as = SSHKeyList, title = "A page of SSH keys")]
pub(super) struct PageView<'a> {
    /// Keys matching the query in all (not only this page).
    count: u64,
    /// This page of keys, in the requested order.
    results: Vec<SshKeyView<'a>>,
}

/// 200 with one key, as `viewer` sees it.
pub fn key_response(key: &SshKey, viewer: UserId) -> Response {
    json(StatusCode::OK, &SshKeyView::new(key, viewer))
}

/// 200 with a page of keys, as `viewer` sees them.
pub fn page_response(page: &KeyPage, viewer: UserId) -> Response {
    let results = page.keys.iter().map(|key| SshKeyView::new(key, viewer)).collect();
    json(StatusCode::OK, &PageView { count: page.count, results })
}

/// 201 for a create, in zeroizing memory and uncached (see `no_store_json`).
pub fn created_response(key: &SshKey, viewer: UserId, private_key: Option<&Zeroizing<String>>) -> Response {
    let view = CreatedView { key: SshKeyView::new(key, viewer), private_key: private_key.map(|p| p.as_str()) };
    no_store_json(StatusCode::CREATED, &view)
}

//! The request side of the resource as the OpenAPI document describes it:
//! bodies, query and path parameters. These types are never built; the
//! checking is done by hand in `input.rs` (so that no message quotes a
//! value), and the handlers' attributes point here.

use serde_json::Value;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::input::ORDER_BY;
use crate::domain::KeyOrder;

/// The create body as documented: Gcore's `CreateSSHKeySerializer`. Only the
/// OpenAPI document uses it; `CreateKeyInput::from_json` does the checking
/// (by hand, so that no message quotes a value).
#[derive(ToSchema)]
#[schema(as = CreateSSHKeySerializer, title = "Create SSH Key schema", description = "Add or generate an SSH key")]
#[allow(dead_code)]
pub struct CreateKeyBody {
    /// SSH key name
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$",
        examples("my-ssh-key")
    )]
    name: String,
    /// The public part of an SSH key is the shareable portion of an SSH key
    /// pair. It can be safely sent to servers or services to grant access.
    /// It does not contain sensitive information.
    ///
    /// - If you’re uploading your own key, provide the public part here
    ///   (usually found in a file like `id_ed25519.pub`).
    /// - If you want the platform to generate an Ed25519 key pair for you,
    ///   leave this field empty — the system will return the private key in
    ///   the response **once only**.
    // Declared `string` as in Gcore's document; `null` and `""` are also
    // taken as "generate", which the description's "leave empty" covers.
    #[schema(
        required = false,
        examples(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIjxL6g1II8NsO8odvBwGKvq2Dx/h/xrvsV9b9LVIYKm my-username@my-hostname"
        )
    )]
    public_key: String,
    /// SSH key is shared with all users in the project
    #[schema(required = false, default = true, examples(true, false))]
    shared_in_project: bool,
}

/// The update body as documented: only sharing can change.
#[derive(ToSchema)]
#[schema(as = PatchSSHKeySerializer, title = "Update SSH key schema", description = "Share or unshare an SSH key")]
#[allow(dead_code)]
pub struct UpdateKeyBody {
    /// Share the key with all users in the project (`true`), or make it
    /// visible only to its creator (`false`); absent: no change
    #[schema(required = false, examples(true, false))]
    shared_in_project: bool,
}

/// The list query as documented; `ListParams::from_query` does the
/// checking. `nullable = false` because an absent parameter is the default,
/// while an empty one is a 400.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListQueryDoc {
    /// Keys per page
    #[param(minimum = 1, maximum = 1000, default = 10, nullable = false)]
    limit: Option<u32>,
    /// Keys to skip before the page starts
    #[param(minimum = 0, maximum = 9223372036854775807_i64, default = 0, nullable = false)]
    offset: Option<u64>,
    /// Only keys whose name contains this text (case-sensitive; empty means all)
    #[param(max_length = 255, nullable = false)]
    name: Option<String>,
    /// Only keys with exactly this fingerprint, in either form: MD5 as in
    /// `fingerprint` (optionally after `MD5:`), or SHA-256 as in
    /// `fingerprint_sha256` (percent-encode its `+` and `/`)
    #[param(
        pattern = r"^(MD5:)?[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){15}$|^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$",
        nullable = false,
        example = "SHA256:8+r6nb5uLviuzs1foM96p7MlQNOSWJwQar/9G63DCEY"
    )]
    fingerprint: Option<String>,
    // Documented in `order_by_schema`: a `schema_with` field's doc is dropped.
    #[param(schema_with = order_by_schema, required = false)]
    order_by: Option<String>,
}

/// `order_by`'s enum, from [`ORDER_BY`].
fn order_by_schema() -> Object {
    let default = ORDER_BY.iter().find(|(_, order)| *order == KeyOrder::default()).map(|(name, _)| *name);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Sort order; ties are broken by id, so pages never overlap or skip"))
        .enum_values(Some(ORDER_BY.iter().map(|(name, _)| *name)))
        .default(default.map(Value::from))
        .build()
}

/// The project in the path. The server takes 1 to 18 decimal digits.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct ProjectPath {
    /// Project ID
    #[param(minimum = 1, maximum = 9007199254740991_i64, example = 1)]
    project_id: i64,
}

/// A key of a project in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct KeyPath {
    /// Project ID
    #[param(minimum = 1, maximum = 9007199254740991_i64, example = 1)]
    project_id: i64,
    /// SSH key ID
    #[param(example = "36a7a97a-0672-4911-8f2b-92cd4e5b0d91")]
    ssh_key_id: Uuid,
}

//! The v2 face's request side as the OpenAPI document describes it. These
//! types are never built; `input.rs` does the checking by hand.

use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The create body: gcorelabscloud-go's `CreateOpts`, plus sharing.
#[derive(ToSchema)]
#[schema(as = CreateKeypairV2, title = "Create key pair (v2)", description = "Add or generate an SSH key")]
#[allow(dead_code)]
pub struct CreateKeypairBody {
    /// SSH key name, unique in the project
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$",
        examples("my-ssh-key")
    )]
    sshkey_name: String,
    /// The public key: an OpenSSH line (kept byte for byte), an RFC 4716
    /// block, or a PEM `PUBLIC KEY` or `RSA PUBLIC KEY` block (converted to
    /// an OpenSSH line). Omit it (or send `null` or `""`) to have an Ed25519
    /// pair generated; its private key is returned once.
    #[schema(
        required = false,
        examples("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIjxL6g1II8NsO8odvBwGKvq2Dx/h/xrvsV9b9LVIYKm me@laptop\n")
    )]
    public_key: String,
    /// Project ID, a JSON integer
    #[schema(minimum = 1, maximum = 9007199254740991_i64, examples(1))]
    project_id: i64,
    /// Visible to every user of the project (default), or only to its creator
    #[schema(required = false, default = true, examples(true, false))]
    shared_in_project: bool,
}

/// The list query.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListQueryDoc {
    /// Project ID
    #[param(minimum = 1, maximum = 9007199254740991_i64, example = 1)]
    project_id: i64,
    /// Only keys created by the user of this name (sshkeyd identifies users
    /// by the name their token was issued for)
    #[param(max_length = 255, nullable = false)]
    user_id: Option<String>,
    /// Only keys with exactly this fingerprint, in either form: MD5 as in
    /// `fingerprint` (optionally after `MD5:`), or SHA-256 as in
    /// `fingerprint_sha256` (percent-encode its `+` and `/`); an sshkeyd
    /// extension
    #[param(
        pattern = r"^(MD5:)?[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){15}$|^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$",
        nullable = false,
        example = "SHA256:8+r6nb5uLviuzs1foM96p7MlQNOSWJwQar/9G63DCEY"
    )]
    fingerprint: Option<String>,
    /// Keys per page
    #[param(minimum = 1, maximum = 1000, default = 100, nullable = false)]
    limit: Option<u32>,
    /// Keys to skip before the page starts
    #[param(minimum = 0, maximum = 9223372036854775807_i64, default = 0, nullable = false)]
    offset: Option<u64>,
}

/// A key in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct KeypairPath {
    /// SSH key ID
    #[param(example = "36a7a97a-0672-4911-8f2b-92cd4e5b0d91")]
    sshkey_id: Uuid,
}

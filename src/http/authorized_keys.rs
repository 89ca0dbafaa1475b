//! `GET /cloud/v1/ssh_keys/{project_id}/authorized_keys`: the keys a token
//! may see, as the lines of an `authorized_keys` file, for sshd's
//! `AuthorizedKeysCommand` (`sshkeyd authorized-keys`) and anyone who wants
//! a project's keys the way GitHub serves `https://github.com/USER.keys`.
//!
//! The route shares its prefix with `/{project_id}/{ssh_key_id}`; the
//! router matches the literal `authorized_keys` segment first, so it is
//! never read as a key id (other methods on it get 405, not a 400 about
//! the id).

use axum::{
    Router,
    extract::{RawQuery, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use utoipa::IntoParams;

use super::extract::ProjectScope;
use super::params::{Problems, QueryParams, label};
use super::ssh_keys::ProjectPath;
use super::{ApiError, AppState};
use crate::domain::{KeyFingerprint, UserName};
use crate::store::AuthorizedKeysQuery;

/// Routes of the endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/cloud/v1/ssh_keys/{project_id}/authorized_keys", get(authorized_keys))
}

/// The query as documented; [`Filters::from_query`] does the checking.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct AuthorizedKeysQueryDoc {
    /// Only keys created by the user with this name (the name a token was
    /// issued for)
    #[param(min_length = 1, max_length = 255, nullable = false, example = "alice")]
    owner: Option<String>,
    /// Only keys with exactly this fingerprint, in either form: MD5 as in
    /// `fingerprint` (optionally after `MD5:`), or SHA-256 as in
    /// `fingerprint_sha256` and sshd's `%f` (percent-encode its `+` and `/`)
    #[param(
        pattern = r"^(MD5:)?[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){15}$|^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$",
        nullable = false,
        example = "SHA256:8+r6nb5uLviuzs1foM96p7MlQNOSWJwQar/9G63DCEY"
    )]
    fingerprint: Option<String>,
}

/// The validated query. Stricter than the list operation's: no client adds
/// parameters of its own here, so an unknown one is a mistake worth a 400.
#[derive(Debug, Default, PartialEq, Eq)]
struct Filters {
    owner: Option<UserName>,
    fingerprint: Option<KeyFingerprint>,
}

impl Filters {
    fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let mut filters = Self::default();
        let mut problems = Problems::default();
        let params = QueryParams::parse(query, &mut problems);
        for (name, value) in params.iter() {
            match name {
                "owner" => match UserName::parse(value) {
                    Ok(owner) => filters.owner = Some(owner),
                    Err(e) => problems.add(name, e),
                },
                "fingerprint" => filters.fingerprint = params.fingerprint(&mut problems),
                _ => problems.add(&label(name), "is not a parameter of this operation (owner, fingerprint)"),
            }
        }
        problems.finish(|| filters)
    }
}

/// `GET`: the visible keys as `authorized_keys` lines.
#[utoipa::path(
    get,
    path = "/cloud/v1/ssh_keys/{project_id}/authorized_keys",
    operation_id = "SSHKeyAuthorizedKeys.get",
    tag = "SSH Keys",
    summary = "SSH keys as authorized_keys lines",
    description = "The keys of the project that the caller may see (shared ones and their own), one \
        `authorized_keys` line each: `<type> <base64> sshkeyd:<project_id>/<name>`, ordered by name. \
        `owner` keeps the keys of one user, `fingerprint` those with one fingerprint (an index lookup: \
        sshd's `AuthorizedKeysCommand` asks on every login). No match is an empty body. An unknown or \
        repeated parameter is a 400. An sshkeyd extension to Gcore's API.",
    params(ProjectPath, AuthorizedKeysQueryDoc),
    responses((status = 200, description = "One line per key, each ending in a newline", body = String,
        content_type = "text/plain",
        example = json!("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIjxL6g1II8NsO8odvBwGKvq2Dx/h/xrvsV9b9LVIYKm sshkeyd:1/laptop\n"))),
)]
async fn authorized_keys(
    State(state): State<AppState>,
    scope: ProjectScope,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let filters = Filters::from_query(query.as_deref())?;
    let query = AuthorizedKeysQuery {
        project: scope.project,
        viewer: scope.principal.user,
        owner: filters.owner,
        fingerprint: filters.fingerprint,
    };
    let keys = state.store.authorized_keys(&query).await?;
    let mut body = String::with_capacity(keys.len() * 128);
    for key in &keys {
        match key.line(scope.project) {
            Some(line) => {
                body.push_str(&line);
                body.push('\n');
            }
            None => tracing::error!(key_id = %key.id.0, "stored public key is not `type base64`; left out"),
        }
    }
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str) -> Vec<String> {
        match Filters::from_query(Some(query)) {
            Err(ApiError::Validation { fields, .. }) => fields.into_keys().collect(),
            other => panic!("{query}: expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn the_query_takes_owner_and_fingerprint_once_each_and_nothing_else() {
        assert_eq!(Filters::from_query(None).unwrap(), Filters::default());
        assert_eq!(Filters::from_query(Some("")).unwrap(), Filters::default());
        let sha = "SHA256:47DEQpj8HBSa%2B/TImW%2B5JCeuQeRkm5NMpJWZG3hSuFU";
        let both = Filters::from_query(Some(&format!("owner=skd-alice&fingerprint={sha}"))).unwrap();
        assert_eq!(both.owner.unwrap().as_str(), "skd-alice");
        assert_eq!(both.fingerprint.unwrap().as_str(), "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
        let cases = [
            ("owner=a&owner=b", vec!["owner"]),
            ("owner=", vec!["owner"]),
            ("owner=%0Aroot", vec!["owner"]),
            ("fingerprint=SHA256:abc", vec!["fingerprint"]),
            ("fingerprint=", vec!["fingerprint"]),
            ("limit=5", vec!["limit"]),
            ("owner=a&x=1&fingerprint=zz", vec!["fingerprint", "x"]),
            ("%0A=1", vec!["query"]),
        ];
        for (query, expected) in cases {
            assert_eq!(fields(query), expected, "{query}");
        }
    }
}

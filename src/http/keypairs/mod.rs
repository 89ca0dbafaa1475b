//! The stable Terraform provider's face (terraform-provider-gcore v0.x,
//! resource `gcore_keypair`, through gcorelabscloud-go's
//! `gcore/keypair/v2/keypairs`): `/cloud/v2/keypairs[/{sshkey_id}]`.
//!
//! The same keys, store, tokens, visibility, quota and audit trail as the
//! v1 face; only the shapes differ. The project is in the create body and
//! the list query, and the requests on one key name no project at all:
//! the key is looked up among the projects the token grants.

mod input;
mod links;
mod schema;
mod view;

use axum::{
    Router,
    extract::{FromRequestParts, RawQuery, State},
    http::{HeaderMap, StatusCode, Uri, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};

use super::error::ErrorResponse;
use super::extract::{Caller, JsonBody, ProjectScope, parse_key_id, path_param};
use super::ssh_keys::create_key;
use super::{ApiError, AppState};
use crate::domain::{KeyId, KeyOrder, SshKey};
use crate::store::ListQuery;
use input::ListParams;
use schema::{CreateKeypairBody, KeypairPath, ListQueryDoc};
use view::{KeypairView, PageView};

/// Routes of the face.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cloud/v2/keypairs", get(list).post(create))
        .route("/cloud/v2/keypairs/{sshkey_id}", get(read).delete(delete))
}

/// A request on one key, by id alone.
pub struct KeypairRef {
    caller: Caller,
    key: KeyId,
}

impl FromRequestParts<AppState> for KeypairRef {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let key = parse_key_id("sshkey_id", &path_param(parts, state, "sshkey_id").await?)?;
        Ok(Self { caller, key })
    }
}

/// `POST`: import the given public key, or generate a pair and return its
/// private half once.
#[utoipa::path(
    post,
    path = "/cloud/v2/keypairs",
    operation_id = "KeypairsV2.post",
    tag = "Key pairs (v2)",
    summary = "Add or generate SSH key (v2)",
    description = "The project is in the body. Omit `public_key` to have a pair generated.",
    request_body(content = CreateKeypairBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = KeypairView,
            headers(("Cache-Control" = String, description = "`no-store`: the body may hold a private key")),
            links(
                ("GetKeypair" = (operation_id = "KeypairV2.get", parameters(("sshkey_id" = "$response.body#/sshkey_id")))),
                ("DeleteKeypair" = (operation_id = "KeypairV2.delete", parameters(("sshkey_id" = "$response.body#/sshkey_id")))),
            )),
        (status = 403, description = "No access to the project, a read-only token, or the project holds its quota \
            of keys", body = ErrorResponse),
        (status = 409, description = "The name is taken in this project", body = ErrorResponse),
        (status = 415, description = "The body is not `application/json`", body = ErrorResponse),
    ),
)]
async fn create(State(state): State<AppState>, caller: Caller, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let (project, input) = input::create_from_json(&body)?;
    let scope = ProjectScope::for_project(caller, project)?;
    let (stored, private_key) = create_key(&state, &scope, input).await?;
    Ok(view::created_response(&stored, scope.principal.user, private_key.as_ref()))
}

/// `GET` on the collection: one page of the project's keys the caller may
/// see, newest first, with a `next` link while more follow.
#[utoipa::path(
    get,
    path = "/cloud/v2/keypairs",
    operation_id = "KeypairsV2.get",
    tag = "Key pairs (v2)",
    summary = "List SSH keys (v2)",
    description = "`count` is the number matching. `links` holds `{\"rel\": \"next\", \"href\": <absolute URL>}` \
        while a next page exists. A parameter given twice is a 400.",
    params(ListQueryDoc),
    responses((status = 200, description = "A page of keys", body = PageView)),
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = ListParams::from_query(query.as_deref())?;
    let scope = ProjectScope::for_project(caller, params.project)?;
    let query = ListQuery {
        project: scope.project,
        viewer: scope.principal.user,
        limit: params.limit,
        offset: params.offset,
        name_contains: None,
        owner_name: params.user.clone(),
        order: KeyOrder::default(),
        fingerprint: params.fingerprint.clone(),
    };
    let page = state.store.list_keys(&query).await?;
    let next = links::next_page(&headers, &uri, state.settings.https, &params, page.keys.len(), page.count)?;
    Ok(view::page_response(&page, scope.principal.user, next))
}

/// `GET` on one key.
#[utoipa::path(
    get,
    path = "/cloud/v2/keypairs/{sshkey_id}",
    operation_id = "KeypairV2.get",
    tag = "Key pairs (v2)",
    summary = "Get SSH key (v2)",
    description = "The key is looked up in the projects the token grants.",
    params(KeypairPath),
    responses(
        (status = 200, description = "The key", body = KeypairView),
        (status = 404, description = "No such key, another user's unshared key, or a key in a project the token \
            cannot use", body = ErrorResponse),
    ),
)]
async fn read(State(state): State<AppState>, key: KeypairRef) -> Result<Response, ApiError> {
    let found = find(&state, &key).await?;
    Ok(view::key_response(&found, key.caller.principal.user))
}

/// `DELETE`: remove the key at once; only its creator may.
#[utoipa::path(
    delete,
    path = "/cloud/v2/keypairs/{sshkey_id}",
    operation_id = "KeypairV2.delete",
    tag = "Key pairs (v2)",
    summary = "Delete SSH key (v2)",
    description = "The key is gone at once and its name is free again. Only the key's creator may delete it.",
    params(KeypairPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "A read-only token, or not the key's creator", body = ErrorResponse),
        (status = 404, description = "No such key, another user's unshared key, or a key in a project the token \
            cannot use", body = ErrorResponse),
    ),
)]
async fn delete(State(state): State<AppState>, key: KeypairRef) -> Result<Response, ApiError> {
    let found = find(&state, &key).await?;
    let scope = ProjectScope::for_project(key.caller, found.project)?;
    state.store.delete_key(scope.project, found.id, scope.audit()).await?;
    crate::metrics::key_deleted();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The key, if the caller may see it in a project their token grants. A key
/// that does not exist, another user's unshared key and a key in another
/// project all get the same 404, so none reveals that it exists.
async fn find(state: &AppState, key: &KeypairRef) -> Result<SshKey, ApiError> {
    let principal = &key.caller.principal;
    let found = state.store.get_key_by_id(principal.user, key.key, principal.projects()).await?;
    found.ok_or_else(|| ApiError::NotFound("SSH key not found".into()))
}

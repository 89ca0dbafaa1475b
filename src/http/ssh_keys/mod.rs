//! The SSH Keys resource: `/cloud/v1/ssh_keys/{project_id}[/{ssh_key_id}]`.
//!
//! Each handler carries its OpenAPI description (`#[utoipa::path]`): the
//! statuses particular to it are listed there, and those every operation
//! shares (400, 401, 403, 408, ...) are added by `super::openapi`.

mod input;
mod schema;
mod view;

use axum::{
    Router,
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::error::ErrorResponse;
use super::extract::{JsonBody, KeyScope, ProjectScope};
use super::{ApiError, AppState};

use crate::domain::{KeyId, NewKey, SshKey, Timestamp, generate_ed25519};
use crate::store::{ListQuery, StoreError};
use input::{ListParams, shared_from_json};
use schema::{CreateKeyBody, KeyPath, ListQueryDoc, UpdateKeyBody};
use view::{CreatedSshKeySchema, PageView, SshKeyView};

pub use input::CreateKeyInput;
pub(super) use input::object;
pub(super) use schema::ProjectPath;
pub(super) use view::KeypairState;

/// Routes of the resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cloud/v1/ssh_keys/{project_id}", get(list).post(create))
        .route("/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}", get(read).patch(update).delete(delete))
}

/// `POST`: import the given public key, or generate a pair and return its
/// private half once.
#[utoipa::path(
    post,
    path = "/cloud/v1/ssh_keys/{project_id}",
    operation_id = "SSHKeyCollectionViewSet.post",
    tag = "SSH Keys",
    summary = "Add or generate SSH key",
    description = "To generate a key, omit the `public_key` parameter from the request body",
    params(ProjectPath),
    request_body(content = CreateKeyBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = CreatedSshKeySchema,
            headers(("Cache-Control" = String, description = "`no-store`: the body may hold a private key")),
            links(
                ("GetKey" = (operation_id = "SSHKeyInstanceViewSet.get", parameters(
                    ("project_id" = "$request.path.project_id"), ("ssh_key_id" = "$response.body#/id")))),
                ("UpdateKey" = (operation_id = "SSHKeyInstanceViewSet.patch", parameters(
                    ("project_id" = "$request.path.project_id"), ("ssh_key_id" = "$response.body#/id")))),
                ("DeleteKey" = (operation_id = "SSHKeyInstanceViewSet.delete", parameters(
                    ("project_id" = "$request.path.project_id"), ("ssh_key_id" = "$response.body#/id")))),
            )),
        (status = 403, description = "No access to the project, a read-only token, or the project holds its quota \
            of keys", body = ErrorResponse),
        (status = 409, description = "The name is taken in this project", body = ErrorResponse),
        (status = 415, description = "The body is not `application/json`", body = ErrorResponse),
    ),
)]
async fn create(
    State(state): State<AppState>,
    scope: ProjectScope,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let input = CreateKeyInput::from_json(&body)?;
    let (stored, private_key) = create_key(&state, &scope, input).await?;
    Ok(view::created_response(&stored, scope.principal.user, private_key.as_ref()))
}

/// Imports the input's public key, or generates a pair, and stores the key
/// in the scope's project: the create of every API face. The private key,
/// when there is one, is for the response alone.
pub(super) async fn create_key(
    state: &AppState,
    scope: &ProjectScope,
    input: CreateKeyInput,
) -> Result<(SshKey, Option<Zeroizing<String>>), ApiError> {
    let (public_key, private_key) = match input.public_key {
        Some(key) => (key, None),
        None => {
            let pair = generate_ed25519().map_err(|e| ApiError::Internal(e.into()))?;
            (pair.public, Some(pair.private_openssh))
        }
    };
    let key = NewKey {
        id: KeyId(Uuid::new_v4()),
        project: scope.project,
        owner: scope.principal.user,
        name: input.name,
        public_key,
        shared: input.shared,
        created_at: Timestamp::now(),
    };
    let stored = state.store.create_key(key, state.settings.max_keys_per_project, scope.audit()).await?;
    crate::metrics::key_created(if private_key.is_some() { "generated" } else { "imported" });
    // The durable record is the audit trail; this line is for debugging.
    tracing::debug!(key_id = %stored.id.0, project = scope.project.0, generated = private_key.is_some(), "ssh key created");
    Ok((stored, private_key))
}

/// `GET` on the collection: one page of the keys the caller may see.
#[utoipa::path(
    get,
    path = "/cloud/v1/ssh_keys/{project_id}",
    operation_id = "SSHKeyCollectionViewSet.get",
    tag = "SSH Keys",
    summary = "List SSH keys",
    description = "The keys of the project that the caller may see: shared ones and their own. \
        `count` is the number matching, not the page size. A parameter given twice is a 400.",
    params(ProjectPath, ListQueryDoc),
    responses((status = 200, description = "A page of keys", body = PageView)),
)]
async fn list(
    State(state): State<AppState>,
    scope: ProjectScope,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = ListParams::from_query(query.as_deref())?;
    let query = ListQuery {
        project: scope.project,
        viewer: scope.principal.user,
        limit: params.limit,
        offset: params.offset,
        name_contains: params.name,
        owner_name: None,
        order: params.order,
        fingerprint: params.fingerprint,
    };
    Ok(view::page_response(&state.store.list_keys(&query).await?, scope.principal.user))
}

/// `GET` on one key.
#[utoipa::path(
    get,
    path = "/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}",
    operation_id = "SSHKeyInstanceViewSet.get",
    tag = "SSH Keys",
    summary = "Get SSH key",
    params(KeyPath),
    responses(
        (status = 200, description = "The key", body = SshKeyView),
        (status = 404, description = "No such key, or another user's unshared key", body = ErrorResponse),
    ),
)]
async fn read(State(state): State<AppState>, key: KeyScope) -> Result<Response, ApiError> {
    let scope = &key.scope;
    match state.store.get_key(scope.project, scope.principal.user, key.key).await? {
        Some(found) => Ok(view::key_response(&found, scope.principal.user)),
        None => Err(ApiError::NotFound("SSH key not found".into())),
    }
}

/// `PATCH`: change `shared_in_project`; only the creator may.
#[utoipa::path(
    patch,
    path = "/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}",
    operation_id = "SSHKeyInstanceViewSet.patch",
    tag = "SSH Keys",
    summary = "Share or unshare SSH key",
    description = "Only the key's creator may change it. An empty body (`{}`) changes nothing and returns the key.",
    params(KeyPath),
    request_body(content = UpdateKeyBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated key", body = SshKeyView),
        (status = 403, description = "No access to the project, a read-only token, or not the key's creator",
            body = ErrorResponse),
        (status = 404, description = "No such key, or another user's unshared key", body = ErrorResponse),
        (status = 415, description = "The body is not `application/json`", body = ErrorResponse),
    ),
)]
async fn update(State(state): State<AppState>, key: KeyScope, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let scope = &key.scope;
    let updated = match shared_from_json(&body)? {
        Some(shared) => state.store.set_shared(scope.project, key.key, shared, scope.audit()).await?,
        // Nothing to change: answered as a change would be (404, 403 for
        // another's key), with nothing written or audited.
        None => {
            let found = state.store.get_key(scope.project, scope.principal.user, key.key).await?;
            SshKey::authorize_change(found, scope.principal.user).map_err(StoreError::from)?
        }
    };
    Ok(view::key_response(&updated, scope.principal.user))
}

/// `DELETE`: remove the key at once; only the creator may.
#[utoipa::path(
    delete,
    path = "/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}",
    operation_id = "SSHKeyInstanceViewSet.delete",
    tag = "SSH Keys",
    summary = "Delete SSH key",
    description = "The key is gone at once and its name is free again. Only the key's creator may delete it.",
    params(KeyPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "No access to the project, a read-only token, or not the key's creator",
            body = ErrorResponse),
        (status = 404, description = "No such key, or another user's unshared key", body = ErrorResponse),
    ),
)]
async fn delete(State(state): State<AppState>, key: KeyScope) -> Result<Response, ApiError> {
    let scope = &key.scope;
    state.store.delete_key(scope.project, key.key, scope.audit()).await?;
    crate::metrics::key_deleted();
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! The SSH Keys resource: `/cloud/v1/ssh_keys/{project_id}[/{ssh_key_id}]`.

mod input;
mod view;

use axum::{
    Router,
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use uuid::Uuid;

use super::extract::{JsonBody, KeyScope, ProjectScope};
use super::{ApiError, AppState};
use crate::keys::generate_ed25519;
use crate::store::{KeyId, ListQuery, NewKey, Timestamp};
use input::{ListParams, shared_from_json};

pub use input::{CreateKeyInput, MAX_LIMIT};

/// Routes of the resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cloud/v1/ssh_keys/{project_id}", get(list).post(create))
        .route("/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}", get(read).patch(update).delete(delete))
}

/// `POST`: import the given public key, or generate a pair and return its
/// private half once.
async fn create(
    State(state): State<AppState>,
    scope: ProjectScope,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let input = CreateKeyInput::from_json(&body)?;
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
    tracing::info!(key_id = %stored.id.0, project = scope.project.0, generated = private_key.is_some(), "ssh key created");
    Ok(view::created_response(&stored, private_key.as_ref()))
}

/// `GET` on the collection: one page of the keys the caller may see.
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
        order: params.order,
    };
    Ok(view::page_response(&state.store.list_keys(&query).await?))
}

/// `GET` on one key.
async fn read(State(state): State<AppState>, key: KeyScope) -> Result<Response, ApiError> {
    let scope = &key.scope;
    match state.store.get_key(scope.project, scope.principal.user, key.key).await? {
        Some(found) => Ok(view::key_response(&found)),
        None => Err(ApiError::NotFound("SSH key not found".into())),
    }
}

/// `PATCH`: change `shared_in_project`; only the creator may.
async fn update(State(state): State<AppState>, key: KeyScope, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let shared = shared_from_json(&body)?;
    let scope = &key.scope;
    let updated = state.store.set_shared(scope.project, key.key, shared, scope.audit()).await?;
    Ok(view::key_response(&updated))
}

/// `DELETE`: remove the key at once; only the creator may.
async fn delete(State(state): State<AppState>, key: KeyScope) -> Result<Response, ApiError> {
    let scope = &key.scope;
    state.store.delete_key(scope.project, key.key, scope.audit()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

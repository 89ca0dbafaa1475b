//! Extractors that turn a request into validated domain values, each
//! rejecting with an [`ApiError`] so every failure has Gcore's shape.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, RawPathParams, Request},
    http::{Method, header, request::Parts},
};

use super::{ApiError, AppState, auth::Principal, request_id::RequestId};
use crate::domain::{KeyId, ProjectId, Timestamp};
use crate::store::AuditContext;

/// The caller, as admission authorized them (`limits::admit` puts the
/// principal in the request before taking a slot).
impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match parts.extensions.get::<Principal>() {
            Some(principal) => Ok(principal.clone()),
            // Only a route outside admission gets here; it is checked the same way.
            None => state.authorize(&parts.headers).await,
        }
    }
}

/// An authenticated request whose project is not in its path: the v2 face
/// takes it from the body, the query, or the key the request names.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// For the audit trail.
    pub request_id: RequestId,
    /// Whether the request may write is decided by its method, once the
    /// project is known (see [`ProjectScope::for_project`]).
    method: Method,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let request_id = parts.extensions.get::<RequestId>().cloned().unwrap_or_default();
        Ok(Self { principal, request_id, method: parts.method.clone() })
    }
}

/// A request on one project by a caller who may access it. Authentication
/// comes first (401), then the project id's syntax (400), then access (403),
/// so a caller without access learns nothing more about the project; then a
/// read-only token's write is refused (403), before its body is looked at
/// (on the v2 face, whose create names the project in its body, the body
/// is read first).
#[derive(Debug, Clone)]
pub struct ProjectScope {
    pub principal: Principal,
    /// From the path.
    pub project: ProjectId,
    /// For the audit trail.
    pub request_id: RequestId,
}

impl ProjectScope {
    /// The caller's scope on `project`, wherever the request named it: 403
    /// unless their token grants the project, then 403 for a write with a
    /// read-only token. Every face enters a project here, so both checks
    /// exist once.
    pub fn for_project(caller: Caller, project: ProjectId) -> Result<Self, ApiError> {
        if !caller.principal.can_access(project) {
            return Err(ApiError::Forbidden("this API token has no access to the project".into()));
        }
        caller.principal.check_may_write(&caller.method)?;
        Ok(Self { principal: caller.principal, project, request_id: caller.request_id })
    }

    /// The audit context of a write made in this scope.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            actor: self.principal.user,
            request_id: self.request_id.as_str().to_owned(),
            at: Timestamp::now(),
        }
    }
}

impl FromRequestParts<AppState> for ProjectScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let project = parse_project_id(&path_param(parts, state, "project_id").await?)?;
        Self::for_project(caller, project)
    }
}

/// A request on one key of a project the caller may access.
#[derive(Debug, Clone)]
pub struct KeyScope {
    pub scope: ProjectScope,
    /// From the path.
    pub key: KeyId,
}

impl FromRequestParts<AppState> for KeyScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let scope = ProjectScope::from_request_parts(parts, state).await?;
        let key = parse_key_id("ssh_key_id", &path_param(parts, state, "ssh_key_id").await?)?;
        Ok(Self { scope, key })
    }
}

/// A key id from the path parameter `field`.
pub fn parse_key_id(field: &str, raw: &str) -> Result<KeyId, ApiError> {
    KeyId::parse(raw).map_err(|e| ApiError::field(field, e.to_string()))
}

pub(super) async fn path_param(parts: &mut Parts, state: &AppState, name: &str) -> Result<String, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::validation("the request path is not valid UTF-8"))?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("route has no {name} parameter")))
}

/// A project id from a path, by the one rule of [`ProjectId::parse`].
pub fn parse_project_id(raw: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(raw).map_err(|e| ApiError::field("project_id", e.to_string()))
}

/// A JSON request body, parsed into a `serde_json::Value` so that each
/// operation checks its own fields and words its own messages. serde's
/// typed errors quote the offending value, which could be a secret pasted
/// into the wrong field; ours never do.
pub struct JsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        // Admission has already read the body within the size limit, so
        // this cannot be too large.
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::validation("could not read the request body"))?;
        super::json::parse_json(&bytes).map(Self)
    }
}

fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(mime) = value.and_then(|v| v.to_str().ok()) else { return false };
    let essence = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

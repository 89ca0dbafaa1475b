//! Liveness and readiness probes, unauthenticated.

use axum::{Router, extract::State, routing::get};

use super::{ApiError, AppState};

/// `/healthz` answers while the process runs, even without a database, so a
/// load balancer does not kill a node for a database outage; `/readyz`
/// checks the database and says whether to send traffic.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.readiness.is_stopping() {
        return Err(ApiError::Unavailable("the server is shutting down".into()));
    }
    match state.store.ping().await {
        Ok(()) => Ok("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::Unavailable("the database is unavailable".into()))
        }
    }
}

//! What every handler shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;

use super::ApiError;
use super::auth::{Authenticator, Principal};
use super::handover::HandOverStore;
use super::rate_limit::TokenRateLimiter;
use crate::store::KeyStore;

/// Limits from the configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time to answer once admitted, until a write is handed over; 408.
    pub request_timeout: Duration,
    /// Time to receive the body; 408.
    pub body_read_timeout: Duration,
    /// Admitted requests being served; past it, 503 at once.
    pub max_in_flight: usize,
    /// Per-token requests per second and burst; `None` is off.
    pub rate_limit: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub max_keys_per_project: u32,
    pub limits: Limits,
    /// Whether the server itself serves TLS: the scheme of the absolute
    /// URLs it writes into responses (the v2 face's `links`).
    pub https: bool,
    /// Whether responses carry their route template for the metrics and
    /// the access log (`route_tag.rs`); off when neither is on, as tagging
    /// costs every request (bench/README.md).
    pub route_labels: bool,
}

/// Whether the node has begun a graceful stop. Shared by `/readyz`, which
/// then answers 503 so load balancers move traffic away, and the accept
/// loop, which then closes each connection after its answer.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// From now on the node reports not ready; it cannot become ready again.
    pub fn begin_stopping(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_stopping(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
pub struct AppState {
    /// Its writes outlive their request (see `handover.rs`).
    pub store: Arc<dyn KeyStore>,
    /// Token checks, with their cache.
    pub auth: Arc<Authenticator>,
    pub settings: Arc<ApiSettings>,
    /// Only when a rate limit is configured.
    pub rate_limiter: Option<Arc<TokenRateLimiter>>,
    /// Set when a graceful stop begins (`/readyz` then answers 503).
    pub readiness: Readiness,
}

impl AppState {
    pub fn new(store: Arc<dyn KeyStore>, settings: ApiSettings, readiness: Readiness) -> Self {
        let store = HandOverStore::wrap(store);
        let auth = Arc::new(Authenticator::new(store.clone()));
        let rate_limiter = settings.limits.rate_limit.and_then(|(rate, burst)| TokenRateLimiter::new(rate, burst));
        Self { store, auth, settings: Arc::new(settings), rate_limiter: rate_limiter.map(Arc::new), readiness }
    }

    /// The caller, if their token is valid (else 401) and within its rate
    /// limit (else 429).
    pub async fn authorize(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        let principal = self.auth.authenticate(headers).await?;
        if let Some(limiter) = &self.rate_limiter {
            limiter.check(&principal.token)?;
        }
        Ok(principal)
    }
}

//! What every handler shares.

use std::sync::Arc;

use super::auth::Authenticator;
use super::limits::{Limits, TokenRateLimiter};
use crate::store::KeyStore;

#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub max_keys_per_project: u32,
    pub limits: Limits,
    /// Whether the server itself serves TLS: the scheme of the absolute
    /// URLs it writes into responses (the v2 face's `links`).
    pub https: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn KeyStore>,
    /// Token checks, with their cache.
    pub auth: Arc<Authenticator>,
    pub settings: Arc<ApiSettings>,
    /// Only when a rate limit is configured.
    pub rate_limiter: Option<Arc<TokenRateLimiter>>,
}

impl AppState {
    pub fn new(store: Arc<dyn KeyStore>, settings: ApiSettings) -> Self {
        let auth = Arc::new(Authenticator::new(store.clone()));
        let rate_limiter = settings.limits.rate_limit.and_then(|(rate, burst)| TokenRateLimiter::new(rate, burst));
        Self { store, auth, settings: Arc::new(settings), rate_limiter: rate_limiter.map(Arc::new) }
    }
}

//! Authentication: `Authorization: APIKey <token>` to a [`Principal`].
//!
//! Tokens are cached for under a second after a successful lookup, so a busy
//! client costs one indexed read per second, not one per request, while a
//! revocation still reaches every node within a second (the cache is per
//! node and always re-reads after [`CACHE_TTL`]). When a busy token's entry
//! expires, one request reads it again and the others wait for that read
//! instead of each making its own: a token granting 10,000 projects read by
//! 64 requests at once took 40 MB and the database's time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method};

use super::ApiError;
use crate::domain::{ProjectId, Timestamp, TokenId, UserId};
use crate::store::{KeyStore, TokenRecord};
use crate::tokens::PresentedToken;

/// How long a looked-up token is trusted before it is read again.
pub const CACHE_TTL: Duration = Duration::from_millis(900);
/// How often a token's `last_used_at` is written.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Entries kept at most; beyond it the cache starts over. Only valid tokens
/// are cached, so random tokens cannot grow it.
const CACHE_MAX: usize = 10_000;
/// Locks that make re-reads of one token take turns (a token always maps
/// to the same one). Tokens never cached take none, so requests with
/// made-up tokens cannot hold up a known token's re-read.
const REREAD_LOCKS: usize = 64;

/// Who is calling: the user and the projects their token grants.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserId,
    /// The token used, for rate limits and logs (its public id only).
    pub token: TokenId,
    projects: Arc<[ProjectId]>,
    read_only: bool,
}

impl Principal {
    /// Whether the token grants `project`.
    pub fn can_access(&self, project: ProjectId) -> bool {
        self.projects.contains(&project)
    }

    /// Every project the token grants, for lookups that name no project.
    pub fn projects(&self) -> &[ProjectId] {
        &self.projects
    }

    /// The one check of read-only tokens: a request that may change
    /// something (any method but GET, HEAD, OPTIONS and TRACE) is refused
    /// with 403. [`ProjectScope::for_project`](super::extract::ProjectScope)
    /// calls it for every request on a project, whichever face named the
    /// project (path, body or the key's own row), so each write handler of
    /// every API face is covered without opting in.
    pub fn check_may_write(&self, method: &Method) -> Result<(), ApiError> {
        if self.read_only && !method.is_safe() {
            return Err(ApiError::Forbidden("this API token is read-only".into()));
        }
        Ok(())
    }
}

struct Cached {
    record: Arc<TokenRecord>,
    fetched: Instant,
    touched: Option<Instant>,
}

/// Checks tokens against the store, with the short-lived cache above.
pub struct Authenticator {
    store: Arc<dyn KeyStore>,
    cache: RwLock<HashMap<TokenId, Cached>>,
    rereads: [tokio::sync::Mutex<()>; REREAD_LOCKS],
}

/// A token's entry in the cache.
enum Entry {
    Fresh(Arc<TokenRecord>),
    Expired,
    Missing,
}

/// Why authentication failed: a rejection (with a metrics label and the
/// client's message), or a store error that must surface as 503/500.
enum Failure {
    Rejected(&'static str, &'static str),
    Store(ApiError),
}

const MISSING: &str = "authentication required: send 'Authorization: APIKey <token>'";
const INVALID: &str = "invalid, expired or revoked API token";

impl Authenticator {
    /// A new authenticator over `store`.
    pub fn new(store: Arc<dyn KeyStore>) -> Self {
        let rereads = std::array::from_fn(|_| tokio::sync::Mutex::new(()));
        Self { store, cache: RwLock::new(HashMap::new()), rereads }
    }

    /// Authenticates the request's `Authorization` header, counting
    /// failures by reason in the metrics.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        self.check(headers).await.map_err(|failure| match failure {
            Failure::Rejected(reason, message) => {
                crate::metrics::auth_failure(reason);
                ApiError::Unauthorized(message)
            }
            Failure::Store(e) => e,
        })
    }

    async fn check(&self, headers: &HeaderMap) -> Result<Principal, Failure> {
        let mut values = headers.get_all(axum::http::header::AUTHORIZATION).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(Failure::Rejected("missing", MISSING));
        };
        let text = value.to_str().map_err(|_| Failure::Rejected("malformed", INVALID))?;
        let (scheme, token) = text.trim().split_once(' ').ok_or(Failure::Rejected("malformed", MISSING))?;
        if !scheme.eq_ignore_ascii_case("apikey") {
            return Err(Failure::Rejected("malformed", MISSING));
        }
        let presented = PresentedToken::parse(token.trim()).ok_or(Failure::Rejected("malformed", INVALID))?;
        let found = self.lookup(&presented.id).await.map_err(Failure::Store)?;
        let record = found.ok_or(Failure::Rejected("unknown", INVALID))?;
        if !presented.matches(&record.secret_hash) {
            return Err(Failure::Rejected("wrong_secret", INVALID));
        }
        if record.revoked || record.expires_at.is_some_and(|e| e <= Timestamp::now()) {
            return Err(Failure::Rejected("revoked_or_expired", INVALID));
        }
        self.note_use(&record.id);
        Ok(Principal {
            user: record.user,
            token: record.id.clone(),
            projects: record.projects.clone(),
            read_only: record.read_only,
        })
    }

    async fn lookup(&self, id: &TokenId) -> Result<Option<Arc<TokenRecord>>, ApiError> {
        let turn = match self.cached(id) {
            Entry::Fresh(record) => return Ok(Some(record)),
            Entry::Missing => None,
            // Waiting is bounded: when the re-read ahead is slow (the
            // database is), read on our own as any request would.
            Entry::Expired => match tokio::time::timeout(CACHE_TTL, self.rereads[reread_lock(id)].lock()).await {
                Ok(turn) => {
                    // Whoever had the turn before may have read it already.
                    if let Entry::Fresh(record) = self.cached(id) {
                        return Ok(Some(record));
                    }
                    Some(turn)
                }
                Err(_) => None,
            },
        };
        let Some(record) = self.store.find_token(id).await? else {
            if turn.is_some() {
                // Gone from the store (deleted): no more turns for it.
                self.cache.write().unwrap_or_else(|p| p.into_inner()).remove(id);
            }
            return Ok(None);
        };
        let record = Arc::new(record);
        self.remember(id, &record);
        drop(turn);
        Ok(Some(record))
    }

    fn cached(&self, id: &TokenId) -> Entry {
        let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
        match cache.get(id) {
            Some(c) if c.fetched.elapsed() < CACHE_TTL => Entry::Fresh(c.record.clone()),
            Some(_) => Entry::Expired,
            None => Entry::Missing,
        }
    }

    /// Caches a fresh record, keeping when the token was last recorded as used.
    fn remember(&self, id: &TokenId, record: &Arc<TokenRecord>) {
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        let touched = cache.get(id).and_then(|c| c.touched);
        let entry = Cached { record: record.clone(), fetched: Instant::now(), touched };
        cache.insert(id.clone(), entry);
    }

    /// After a successful check, records the use at most once a minute per
    /// token, in the background and never on the request's path.
    fn note_use(&self, id: &TokenId) {
        let due = |c: &Cached| c.touched.is_none_or(|t| t.elapsed() >= TOUCH_EVERY);
        if !self.cache.read().unwrap_or_else(|p| p.into_inner()).get(id).is_some_and(due) {
            return;
        }
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        match cache.get_mut(id) {
            Some(entry) if due(entry) => entry.touched = Some(Instant::now()),
            _ => return,
        }
        let (store, id) = (self.store.clone(), id.clone());
        tokio::spawn(async move {
            if let Err(e) = store.touch_token(&id, Timestamp::now()).await {
                tracing::debug!(error = %e, "could not record token use");
            }
        });
    }
}

/// Which re-read lock a token takes.
fn reread_lock(id: &TokenId) -> usize {
    id.0.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b))) % REREAD_LOCKS
}

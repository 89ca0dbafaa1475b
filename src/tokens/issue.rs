//! Issuing a token: a new secret, and its hash stored for a user on some
//! projects.

use std::time::Duration;

use super::format::IssuedToken;
use crate::domain::{ProjectId, Timestamp};
use crate::store::{KeyStore, NewToken};

/// Stores a new token for `user` on `projects`; the caller shows its text once.
pub async fn issue_token(
    store: &dyn KeyStore,
    user: &str,
    projects: &[i64],
    expires_in: Option<Duration>,
) -> anyhow::Result<IssuedToken> {
    let issued = IssuedToken::generate();
    record_token(store, &issued, user, projects, expires_in).await?;
    Ok(issued)
}

/// Stores the hash of `issued` for `user` on `projects`.
pub(super) async fn record_token(
    store: &dyn KeyStore,
    issued: &IssuedToken,
    user: &str,
    projects: &[i64],
    expires_in: Option<Duration>,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let token = NewToken {
        id: issued.id.clone(),
        user_name: user.to_owned(),
        projects: projects.iter().copied().map(ProjectId).collect(),
        secret_hash: issued.secret_hash,
        created_at: now,
        expires_at: expires_in.map(|d| now.plus(d)),
    };
    Ok(store.create_token(token).await?)
}

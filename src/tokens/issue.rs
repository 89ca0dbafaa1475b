//! Issuing a token: a new secret, and its hash stored for a user on some
//! projects.

use std::time::Duration;

use super::format::IssuedToken;
use crate::domain::{ProjectId, Timestamp};
use crate::store::{KeyStore, NewToken};

/// What a token may do with the keys it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// List, get, create, change and delete.
    #[default]
    ReadWrite,
    /// List, get and `authorized_keys` only: what a host needs, so that a
    /// stolen host token can add no key.
    ReadOnly,
}

/// Stores a new read-write token for `user` on `projects`; the caller shows
/// its text once.
pub async fn issue_token(
    store: &dyn KeyStore,
    user: &str,
    projects: &[i64],
    expires_in: Option<Duration>,
) -> anyhow::Result<IssuedToken> {
    issue_token_with(store, user, projects, expires_in, Access::ReadWrite).await
}

/// [`issue_token`] with the given access.
pub async fn issue_token_with(
    store: &dyn KeyStore,
    user: &str,
    projects: &[i64],
    expires_in: Option<Duration>,
    access: Access,
) -> anyhow::Result<IssuedToken> {
    let issued = IssuedToken::generate();
    record_token(store, &issued, user, projects, expires_in, access).await?;
    Ok(issued)
}

/// Stores the hash of `issued` for `user` on `projects`.
pub(super) async fn record_token(
    store: &dyn KeyStore,
    issued: &IssuedToken,
    user: &str,
    projects: &[i64],
    expires_in: Option<Duration>,
    access: Access,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let token = NewToken {
        id: issued.id.clone(),
        user_name: user.to_owned(),
        projects: projects.iter().copied().map(ProjectId).collect(),
        secret_hash: issued.secret_hash,
        created_at: now,
        expires_at: expires_in.map(|d| now.plus(d)),
        read_only: access == Access::ReadOnly,
    };
    Ok(store.create_token(token).await?)
}

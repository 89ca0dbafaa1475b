//! Issuing a token: a new secret, and its hash stored for a user on some
//! projects.

use std::time::Duration;

use super::format::IssuedToken;
use crate::domain::{ProjectId, Timestamp, UserName};
use crate::store::{KeyStore, NewToken};

/// How long a token may live: from a second (shorter would be expired
/// before it reached its holder) to ten years (longer is "never", which is
/// what leaving out `--expires-in` says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime(Duration);

/// The shortest and longest [`TokenLifetime`].
const TOKEN_LIFETIME_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(3650 * 24 * 60 * 60));

impl TokenLifetime {
    /// A lifetime from 1 s to 3650 days; the error states the range.
    pub fn new(lifetime: Duration) -> Result<Self, String> {
        let (min, max) = TOKEN_LIFETIME_RANGE;
        if lifetime < min || lifetime > max {
            return Err("must be from 1s to 3650d (ten years)".into());
        }
        Ok(Self(lifetime))
    }

    /// Parses `90d`, `12h`, `30m`, `1h 30m`...
    pub fn parse(raw: &str) -> Result<Self, String> {
        let lifetime = humantime::parse_duration(raw).map_err(|e| format!("{e} (write e.g. 90d, 12h or 30m)"))?;
        Self::new(lifetime)
    }
}

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
    user: &UserName,
    projects: &[ProjectId],
    expires_in: Option<TokenLifetime>,
) -> anyhow::Result<IssuedToken> {
    issue_token_with(store, user, projects, expires_in, Access::ReadWrite).await
}

/// [`issue_token`] with the given access.
pub async fn issue_token_with(
    store: &dyn KeyStore,
    user: &UserName,
    projects: &[ProjectId],
    expires_in: Option<TokenLifetime>,
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
    user: &UserName,
    projects: &[ProjectId],
    expires_in: Option<TokenLifetime>,
    access: Access,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let token = NewToken {
        id: issued.id.clone(),
        user_name: user.clone(),
        projects: projects.to_vec(),
        secret_hash: issued.secret_hash,
        created_at: now,
        expires_at: expires_in.map(|d| now.plus(d.0)),
        read_only: access == Access::ReadOnly,
    };
    Ok(store.create_token(token).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_lifetime_is_from_a_second_to_ten_years() {
        for ok in ["1s", "30m", "90d", "3650d"] {
            assert!(TokenLifetime::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [("0s", "already expired"), ("999ms", "under a second"), ("3651d", "over ten years")] {
            assert_eq!(TokenLifetime::parse(bad), Err("must be from 1s to 3650d (ten years)".into()), "{why}");
        }
        let overflow = TokenLifetime::parse("99999999999d").unwrap_err();
        assert!(overflow.contains("3650d") || overflow.contains("90d"), "{overflow}");
        assert!(TokenLifetime::parse("soon").unwrap_err().contains("write e.g."));
    }
}

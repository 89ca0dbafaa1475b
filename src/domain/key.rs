//! Keys: one about to be stored, one as stored, and the rules of who may see
//! and who may change one.

use super::ids::{KeyId, ProjectId, UserId};
use super::name::KeyName;
use super::public_key::PublicKey;
use super::time::Timestamp;

/// A validated key about to be inserted.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub id: KeyId,
    pub project: ProjectId,
    /// The user creating it; only they may change or delete it.
    pub owner: UserId,
    pub name: KeyName,
    pub public_key: PublicKey,
    /// Visible to the whole project, or only to `owner`.
    pub shared: bool,
    pub created_at: Timestamp,
}

impl NewKey {
    /// The key as it reads back once inserted; both backends return this
    /// from a create instead of reading the row again.
    pub fn stored(&self) -> SshKey {
        SshKey {
            id: self.id,
            project: self.project,
            owner: self.owner,
            name: self.name.as_str().to_owned(),
            public_key: self.public_key.text().to_owned(),
            fingerprint: self.public_key.fingerprint().as_str().to_owned(),
            fingerprint_sha256: self.public_key.fingerprint_sha256().as_str().to_owned(),
            shared: self.shared,
            created_at: self.created_at,
        }
    }
}

/// A stored key. Never carries a private key: there is none to carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    pub id: KeyId,
    pub project: ProjectId,
    pub owner: UserId,
    /// Unique in the project.
    pub name: String,
    /// An OpenSSH line: as the client sent it, or converted from another
    /// format (rows written before issue 12 hold it normalised); the key
    /// without the client's text is `stored_key::key_fields`.
    pub public_key: String,
    /// MD5, colon-separated lower-case hex.
    pub fingerprint: String,
    /// `SHA256:` and unpadded base64, as `ssh-keygen -l` prints it.
    pub fingerprint_sha256: String,
    /// Visible to the whole project, or only to `owner`.
    pub shared: bool,
    pub created_at: Timestamp,
}

/// Why a user may not change or delete a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRefused {
    /// No such key, or one the user cannot see: the two look the same, so
    /// an unshared key never reveals that it exists.
    NotFound,
    /// The user sees the key (it is shared) but did not create it.
    NotOwner,
}

impl SshKey {
    /// Its creator sees a key always, everyone else in the project only
    /// when it is shared. (The stores apply the same rule in SQL to reads.)
    pub fn is_visible_to(&self, viewer: UserId) -> bool {
        self.shared || self.owner == viewer
    }

    /// The ownership rule, decided here once for every backend: only a
    /// key's creator may change or delete it. `found` is the key as loaded
    /// for the change, `None` when the project holds no key with that id.
    pub fn authorize_change(found: Option<SshKey>, actor: UserId) -> Result<SshKey, ChangeRefused> {
        match found {
            Some(key) if key.owner == actor => Ok(key),
            Some(key) if key.is_visible_to(actor) => Err(ChangeRefused::NotOwner),
            _ => Err(ChangeRefused::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn key(owner: i64, shared: bool) -> SshKey {
        SshKey {
            id: KeyId(Uuid::new_v4()),
            project: ProjectId(1),
            owner: UserId(owner),
            name: "laptop".into(),
            public_key: "ssh-ed25519 AAAA".into(),
            fingerprint: "00".into(),
            fingerprint_sha256: "SHA256:00".into(),
            shared,
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn only_the_creator_may_change_a_key_and_others_learn_only_what_they_can_see() {
        let (creator, other) = (UserId(1), UserId(2));
        let cases = [
            (Some(key(1, true)), creator, Ok(()), "the creator of a shared key"),
            (Some(key(1, false)), creator, Ok(()), "the creator of an unshared key"),
            (Some(key(1, true)), other, Err(ChangeRefused::NotOwner), "another user who sees it"),
            (Some(key(1, false)), other, Err(ChangeRefused::NotFound), "another user who cannot see it"),
            (None, creator, Err(ChangeRefused::NotFound), "no such key"),
        ];
        for (found, actor, expected, who) in cases {
            assert_eq!(SshKey::authorize_change(found, actor).map(|_| ()), expected, "{who}");
        }
    }
}

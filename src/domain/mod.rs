//! The domain: identifiers, validated names, parsed public keys,
//! fingerprints, key generation and the rules about keys (who sees one, who
//! may change it). Pure code with no I/O, so every rule here is unit-tested
//! without a server or a database; the HTTP layer and the store only move
//! these values around.

mod authorized_keys;
mod fingerprint;
mod generate;
mod ids;
mod key;
mod name;
mod order;
mod public_key;
mod stored_key;
mod text;
mod time;
mod user_name;

#[cfg(test)]
#[path = "../../tests/support/keygen.rs"]
mod keygen;

pub use self::time::Timestamp;
pub use authorized_keys::{AuthorizedKey, is_authorized_keys_line};
pub use fingerprint::{Fingerprint, FingerprintSyntax, KeyFingerprint, Sha256Fingerprint};
pub use generate::{GeneratedKey, generate_ed25519};
pub use ids::{KeyId, KeyIdError, MAX_PROJECT_ID, ProjectId, ProjectIdError, TokenId, UserId};
pub use key::{ChangeRefused, NewKey, SshKey};
pub use name::{KeyName, KeyNameError};
pub use order::KeyOrder;
pub use public_key::{KeyType, LabelHint, PublicKey, PublicKeyError};
pub use text::is_hidden_or_breaking;
pub use user_name::{UserName, UserNameError};

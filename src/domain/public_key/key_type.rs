//! The key types sshkeyd accepts, and the labels error messages may quote.

/// RSA keys below this size are refused, as by OpenSSH since 8.8's defaults
/// and by every current compliance baseline.
pub(super) const MIN_RSA_BITS: usize = 2048;
/// Upper bound that keeps a hostile modulus from costing real CPU anywhere.
pub(super) const MAX_RSA_BITS: usize = 16384;
/// Comments longer than this are refused; real ones are `user@host`.
pub(super) const MAX_COMMENT_CHARS: usize = 1024;

/// The key algorithms sshkeyd accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `ssh-ed25519`
    Ed25519,
    /// `ecdsa-sha2-nistp256`
    EcdsaP256,
    /// `ecdsa-sha2-nistp384`
    EcdsaP384,
    /// `ecdsa-sha2-nistp521`
    EcdsaP521,
    /// `ssh-rsa`, at least `MIN_RSA_BITS`
    Rsa,
    /// `sk-ssh-ed25519@openssh.com` (FIDO security key)
    SkEd25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com` (FIDO security key)
    SkEcdsaP256,
}

impl KeyType {
    /// Every accepted type, in the order error messages list them.
    pub const ALL: [KeyType; 7] = [
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::EcdsaP521,
        KeyType::Rsa,
        KeyType::SkEd25519,
        KeyType::SkEcdsaP256,
    ];

    /// The OpenSSH type label.
    pub fn label(self) -> &'static str {
        match self {
            KeyType::Ed25519 => "ssh-ed25519",
            KeyType::EcdsaP256 => "ecdsa-sha2-nistp256",
            KeyType::EcdsaP384 => "ecdsa-sha2-nistp384",
            KeyType::EcdsaP521 => "ecdsa-sha2-nistp521",
            KeyType::Rsa => "ssh-rsa",
            KeyType::SkEd25519 => "sk-ssh-ed25519@openssh.com",
            KeyType::SkEcdsaP256 => "sk-ecdsa-sha2-nistp256@openssh.com",
        }
    }

    /// Looks a label up among the accepted types.
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.label() == label)
    }
}

/// A label quoted in an error, only when it is one we know, so that arbitrary
/// text from the request never reaches an error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelHint(pub(super) Option<&'static str>);

impl std::fmt::Display for LabelHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(label) => write!(f, " '{label}'"),
            None => f.write_str(" (unknown)"),
        }
    }
}

/// Labels we recognise for messages although we refuse the keys.
pub(super) const KNOWN_REFUSED: [&str; 2] = ["ssh-dss", "ecdsa-sha2-nistp192"];

pub(super) fn hint(label: &str) -> LabelHint {
    let known =
        KeyType::from_label(label).map(KeyType::label).or_else(|| KNOWN_REFUSED.into_iter().find(|l| *l == label));
    LabelHint(known)
}

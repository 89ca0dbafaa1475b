//! Parsing and validating OpenSSH one-line public keys.
//!
//! The wire blob is decoded with the RustCrypto `ssh-key` crate; the checks
//! around it (private key pasted by mistake, several keys, weak types, points
//! off their curve) are ours. No error message ever echoes the input, so a
//! secret sent to the wrong field cannot leak through an error body or a log.

use base64::{Engine, engine::general_purpose::STANDARD};
use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};

use super::Fingerprint;

/// RSA keys below this size are refused, as by OpenSSH since 8.8's defaults
/// and by every current compliance baseline.
pub const MIN_RSA_BITS: usize = 2048;
/// Upper bound that keeps a hostile modulus from costing real CPU anywhere.
pub const MAX_RSA_BITS: usize = 16384;
/// Comments longer than this are refused; real ones are `user@host`.
pub const MAX_COMMENT_CHARS: usize = 1024;

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
    /// `ssh-rsa`, at least [`MIN_RSA_BITS`]
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

/// Why a `public_key` value was refused. Each message says what is wrong
/// without quoting the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// Nothing but whitespace.
    #[error("public_key is empty; omit it to have a key generated")]
    Empty,
    /// A private key (PEM, OpenSSH or PuTTY) was pasted into the field.
    #[error(
        "public_key holds a private key; send only the public part (the .pub file). \
         The value was not stored or logged"
    )]
    PrivateKey,
    /// Several keys in one value.
    #[error("public_key holds more than one key; send one key per request")]
    MultipleKeys,
    /// Line breaks inside what should be one line.
    #[error("public_key must be a single line: '<type> <base64> [comment]'")]
    MultiLine,
    /// The RFC 4716 ("---- BEGIN SSH2 PUBLIC KEY ----") format.
    #[error(
        "public_key is in RFC 4716 format; convert it to OpenSSH format with \
         'ssh-keygen -i -f key.pub'"
    )]
    Rfc4716,
    /// Not `type base64 [comment]`.
    #[error("public_key must be in OpenSSH format: '<type> <base64> [comment]'")]
    Format,
    /// `ssh-dss`.
    #[error("DSA (ssh-dss) keys are not accepted: they are weak and disabled in OpenSSH")]
    Dsa,
    /// An OpenSSH certificate rather than a plain key.
    #[error("SSH certificates are not accepted; send the plain public key")]
    Certificate,
    /// A type label outside [`KeyType::ALL`].
    #[error(
        "unsupported key type{0}; use ssh-ed25519, ecdsa-sha2-nistp256/384/521, \
         ssh-rsa (2048 bits or more), sk-ssh-ed25519@openssh.com or \
         sk-ecdsa-sha2-nistp256@openssh.com"
    )]
    Unsupported(LabelHint),
    /// The second field is not canonical standard base64.
    #[error("the key data (second field) is not valid base64")]
    Base64,
    /// The blob is truncated, has trailing bytes, or does not decode.
    #[error("the key data is truncated or corrupt")]
    Corrupt,
    /// The text label and the blob disagree.
    #[error("the type label '{label}' does not match the key data, which is{actual}")]
    TypeMismatch {
        /// The accepted label written in front of the blob.
        label: &'static str,
        /// What the blob says it is.
        actual: LabelHint,
    },
    /// RSA modulus below [`MIN_RSA_BITS`].
    #[error("RSA keys must have at least {MIN_RSA_BITS} bits; this one has {0}")]
    RsaTooSmall(usize),
    /// RSA modulus above [`MAX_RSA_BITS`].
    #[error("RSA keys may have at most {MAX_RSA_BITS} bits; this one has {0}")]
    RsaTooLarge(usize),
    /// RSA public exponent that no real key uses.
    #[error("the RSA public exponent is invalid")]
    RsaExponent,
    /// An elliptic-curve point that is not on its curve, or a weak one.
    #[error("the key data does not hold a valid {0} public key")]
    InvalidPoint(&'static str),
    /// Control characters, or an overlong comment.
    #[error("the comment must be at most {MAX_COMMENT_CHARS} characters, without control characters")]
    Comment,
}

/// A label quoted in an error, only when it is one we know, so that arbitrary
/// text from the request never reaches an error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelHint(Option<&'static str>);

impl std::fmt::Display for LabelHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(label) => write!(f, " '{label}'"),
            None => f.write_str(" (unknown)"),
        }
    }
}

/// Labels we recognise for messages although we refuse the keys.
const KNOWN_REFUSED: [&str; 2] = ["ssh-dss", "ecdsa-sha2-nistp192"];

fn hint(label: &str) -> LabelHint {
    let known =
        KeyType::from_label(label).map(KeyType::label).or_else(|| KNOWN_REFUSED.into_iter().find(|l| *l == label));
    LabelHint(known)
}

/// A validated public key, normalised to `type base64 [comment]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key_type: KeyType,
    openssh: String,
    fingerprint: Fingerprint,
}

impl PublicKey {
    /// Parses and validates one OpenSSH public key line.
    pub fn parse(raw: &str) -> Result<Self, PublicKeyError> {
        let text = raw.trim();
        reject_wrong_formats(text)?;
        let (label, data, comment) = split_fields(text)?;
        let key_type = classify(label)?;
        let blob = STANDARD.decode(data).map_err(|_| PublicKeyError::Base64)?;
        let key_data = decode_blob(&blob)?;
        if key_data.algorithm().as_str() != key_type.label() {
            let actual = hint(key_data.algorithm().as_str());
            let label = key_type.label();
            return Err(PublicKeyError::TypeMismatch { label, actual });
        }
        check_key_material(&key_data)?;
        check_comment(comment)?;
        Ok(Self::from_blob(key_type, &blob, comment))
    }

    /// Builds the normalised form from a blob that is already known to be
    /// valid (parsed above, or freshly generated).
    pub(super) fn from_blob(key_type: KeyType, blob: &[u8], comment: &str) -> Self {
        let mut openssh = format!("{} {}", key_type.label(), STANDARD.encode(blob));
        if !comment.is_empty() {
            openssh.push(' ');
            openssh.push_str(comment);
        }
        let fingerprint = Fingerprint::of_blob(blob);
        Self { key_type, openssh, fingerprint }
    }

    /// The algorithm.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The normalised `type base64 [comment]` line.
    pub fn openssh(&self) -> &str {
        &self.openssh
    }

    /// The MD5 fingerprint of the blob.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }
}

/// Markers of private keys in every format users paste by mistake: PEM
/// (`-----BEGIN ... PRIVATE KEY-----`), PuTTY, and the base64 of the
/// `openssh-key-v1` magic in case the armour was stripped.
const PRIVATE_MARKERS: [&str; 4] = ["PRIVATE KEY", "PuTTY-User-Key-File", "b3BlbnNzaC1rZXktdjE", "-----BEGIN"];

fn reject_wrong_formats(text: &str) -> Result<(), PublicKeyError> {
    if text.is_empty() {
        return Err(PublicKeyError::Empty);
    }
    if text.contains("BEGIN SSH2 PUBLIC KEY") {
        return Err(PublicKeyError::Rfc4716);
    }
    if PRIVATE_MARKERS.iter().any(|m| text.contains(m)) {
        return Err(PublicKeyError::PrivateKey);
    }
    if text.contains(['\n', '\r']) {
        let keys = text.lines().filter(|l| starts_with_label(l.trim())).count();
        return Err(if keys > 1 { PublicKeyError::MultipleKeys } else { PublicKeyError::MultiLine });
    }
    Ok(())
}

fn starts_with_label(line: &str) -> bool {
    let first = line.split_ascii_whitespace().next().unwrap_or("");
    KeyType::from_label(first).is_some() || KNOWN_REFUSED.contains(&first)
}

/// Splits `type base64 [comment]`; runs of spaces or tabs separate fields,
/// as OpenSSH allows.
fn split_fields(text: &str) -> Result<(&str, &str, &str), PublicKeyError> {
    let is_sep = |c: char| c == ' ' || c == '\t';
    let (label, rest) = text.split_once(is_sep).ok_or(PublicKeyError::Format)?;
    let rest = rest.trim_start_matches(is_sep);
    let (data, comment) = rest.split_once(is_sep).unwrap_or((rest, ""));
    let comment = comment.trim_matches(is_sep);
    if data.is_empty() {
        return Err(PublicKeyError::Format);
    }
    // A second "type AAAA..." pair inside the comment is a second key.
    let mut words = comment.split(is_sep).filter(|w| !w.is_empty()).peekable();
    while let Some(word) = words.next() {
        let next_is_blob = words.peek().is_some_and(|w| w.starts_with("AAAA"));
        if next_is_blob && starts_with_label(word) {
            return Err(PublicKeyError::MultipleKeys);
        }
    }
    Ok((label, data, comment))
}

fn classify(label: &str) -> Result<KeyType, PublicKeyError> {
    if let Some(key_type) = KeyType::from_label(label) {
        return Ok(key_type);
    }
    Err(match label {
        "ssh-dss" => PublicKeyError::Dsa,
        l if l.contains("-cert-v01@openssh.com") => PublicKeyError::Certificate,
        l => PublicKeyError::Unsupported(hint(l)),
    })
}

fn decode_blob(blob: &[u8]) -> Result<KeyData, PublicKeyError> {
    ssh_key::PublicKey::from_bytes(blob).map(|key| key.key_data().clone()).map_err(|_| PublicKeyError::Corrupt)
}

fn check_key_material(key: &KeyData) -> Result<(), PublicKeyError> {
    match key {
        KeyData::Ed25519(k) => check_ed25519(k),
        KeyData::SkEd25519(k) => check_ed25519(k.public_key()),
        KeyData::Ecdsa(k) => check_ecdsa(k),
        KeyData::SkEcdsaSha2NistP256(k) => p256::PublicKey::from_sec1_bytes(k.ec_point().as_bytes())
            .map(|_| ())
            .map_err(|_| PublicKeyError::InvalidPoint("NIST P-256")),
        KeyData::Rsa(k) => check_rsa(k),
        // `classify` and the label check admit no other variant.
        _ => Err(PublicKeyError::Corrupt),
    }
}

/// Refuses encodings that are not a point on the curve, and the small-order
/// ("weak") points that no honest key generator produces.
fn check_ed25519(key: &Ed25519PublicKey) -> Result<(), PublicKeyError> {
    match ed25519_dalek::VerifyingKey::try_from(key) {
        Ok(point) if !point.is_weak() => Ok(()),
        _ => Err(PublicKeyError::InvalidPoint("Ed25519")),
    }
}

fn check_ecdsa(key: &EcdsaPublicKey) -> Result<(), PublicKeyError> {
    let bytes = key.as_sec1_bytes();
    let ok = match key {
        EcdsaPublicKey::NistP256(_) => p256::PublicKey::from_sec1_bytes(bytes).is_ok(),
        EcdsaPublicKey::NistP384(_) => p384::PublicKey::from_sec1_bytes(bytes).is_ok(),
        EcdsaPublicKey::NistP521(_) => p521::PublicKey::from_sec1_bytes(bytes).is_ok(),
    };
    ok.then_some(()).ok_or(PublicKeyError::InvalidPoint(key.curve().as_str()))
}

/// Checks the modulus size and the exponent by hand: the `rsa` crate's own
/// constructor caps keys at 4096 bits, which would refuse valid 8192-bit keys.
fn check_rsa(key: &RsaPublicKey) -> Result<(), PublicKeyError> {
    let n = key.n.as_positive_bytes().ok_or(PublicKeyError::Corrupt)?;
    let bits = significant_bits(n);
    if bits < MIN_RSA_BITS {
        return Err(PublicKeyError::RsaTooSmall(bits));
    }
    if bits > MAX_RSA_BITS {
        return Err(PublicKeyError::RsaTooLarge(bits));
    }
    let e = key.e.as_positive_bytes().ok_or(PublicKeyError::RsaExponent)?;
    let odd = |v: &[u8]| v.last().is_some_and(|b| b & 1 == 1);
    // e must be odd, at least 3 and fit in 64 bits; n must be odd.
    if significant_bits(e) < 2 || significant_bits(e) > 64 || !odd(e) || !odd(n) {
        return Err(PublicKeyError::RsaExponent);
    }
    Ok(())
}

fn significant_bits(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&b| b != 0) {
        Some(i) => (big_endian.len() - i - 1) * 8 + (8 - big_endian[i].leading_zeros() as usize),
        None => 0,
    }
}

fn check_comment(comment: &str) -> Result<(), PublicKeyError> {
    let too_long = comment.chars().count() > MAX_COMMENT_CHARS;
    if too_long || comment.chars().any(char::is_control) {
        return Err(PublicKeyError::Comment);
    }
    Ok(())
}

#[cfg(test)]
#[path = "public_key_tests.rs"]
mod tests;

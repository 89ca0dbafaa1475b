//! Fingerprints of a key blob: the legacy MD5 form that Gcore (and
//! OpenStack) report, the SHA-256 form that OpenSSH prints and logs today,
//! and a fingerprint given in either form to look keys up by.

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use md5::{Digest, Md5};
use sha2::Sha256;

use super::stored_key::key_fields;
use std::fmt::{self, Write};

/// MD5 over the raw key blob, as lower-case colon-separated hex: exactly what
/// `ssh-keygen -l -E md5` prints after its `MD5:` prefix. MD5 is weak as a
/// hash, but this is an identifier that clients compare, not a security check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Computes the fingerprint of an SSH wire-format public key blob.
    pub fn of_blob(blob: &[u8]) -> Self {
        let digest = Md5::digest(blob);
        let mut hex = String::with_capacity(47);
        for (i, byte) in digest.iter().enumerate() {
            if i > 0 {
                hex.push(':');
            }
            // Writing into a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        Self(hex)
    }

    /// The colon-separated hex form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `SHA256:` and the unpadded base64 of SHA-256 over the key blob: what
/// `ssh-keygen -l` prints by default, what sshd logs and passes to an
/// `AuthorizedKeysCommand` as `%f`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sha256Fingerprint(String);

const SHA256_PREFIX: &str = "SHA256:";

impl Sha256Fingerprint {
    /// Computes the fingerprint of an SSH wire-format public key blob.
    pub fn of_blob(blob: &[u8]) -> Self {
        Self(format!("{SHA256_PREFIX}{}", STANDARD_NO_PAD.encode(Sha256::digest(blob))))
    }

    /// The fingerprint of the key in a stored `public_key` text (see
    /// `stored_key`), for rows written before the column existed; `None`
    /// when it holds no key or its base64 does not decode.
    pub fn of_stored_text(text: &str) -> Option<Self> {
        let (_, data) = key_fields(text)?;
        let blob = base64::engine::general_purpose::STANDARD.decode(data).ok()?;
        Some(Self::of_blob(&blob))
    }

    /// The `SHA256:...` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fingerprint given by a client to find keys with, in either form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyFingerprint {
    Md5(Fingerprint),
    Sha256(Sha256Fingerprint),
}

/// Why a fingerprint was refused. Never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be an MD5 fingerprint (16 colon-separated hex bytes, optionally after MD5:) \
     or SHA256: followed by 43 base64 characters"
)]
pub struct FingerprintSyntax;

impl KeyFingerprint {
    /// Parses either form, canonically spelled in the result: MD5 as
    /// `ssh-keygen -E md5` prints it (with or without its `MD5:` prefix, hex
    /// in either case), SHA-256 exactly as `ssh-keygen -l` prints it. In a
    /// SHA-256 fingerprint a space stands for `+`, which a query string
    /// decodes to a space when the client did not percent-encode it; a
    /// fingerprint holds no spaces, so this cannot be ambiguous.
    pub fn parse(raw: &str) -> Result<Self, FingerprintSyntax> {
        if let Some(encoded) = raw.strip_prefix(SHA256_PREFIX) {
            let encoded = encoded.replace(' ', "+");
            let digest = STANDARD_NO_PAD.decode(&encoded).map_err(|_| FingerprintSyntax)?;
            // The decoder refuses non-canonical trailing bits, so the
            // fingerprint reads back exactly as given.
            if digest.len() != 32 {
                return Err(FingerprintSyntax);
            }
            return Ok(Self::Sha256(Sha256Fingerprint(format!("{SHA256_PREFIX}{encoded}"))));
        }
        let hex = raw.strip_prefix("MD5:").unwrap_or(raw);
        let well_formed = hex.len() == 47
            && hex.bytes().enumerate().all(|(i, b)| if i % 3 == 2 { b == b':' } else { b.is_ascii_hexdigit() });
        if !well_formed {
            return Err(FingerprintSyntax);
        }
        Ok(Self::Md5(Fingerprint(hex.to_ascii_lowercase())))
    }

    /// The canonical text, as stored.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Md5(f) => f.as_str(),
            Self::Sha256(f) => f.as_str(),
        }
    }
}

#[cfg(test)]
#[path = "fingerprint_tests.rs"]
mod tests;

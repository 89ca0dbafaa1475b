//! Parsing and validating OpenSSH one-line public keys.
//!
//! The wire blob is decoded with the RustCrypto `ssh-key` crate; the checks
//! around it (private key pasted by mistake, several keys, weak types, points
//! off their curve) are ours. No error message ever echoes the input, so a
//! secret sent to the wrong field cannot leak through an error body or a log.

mod error;
mod format;
mod key_type;
mod material;

use base64::{Engine, engine::general_purpose::STANDARD};

use super::fingerprint::{Fingerprint, Sha256Fingerprint};
pub use error::PublicKeyError;
use format::{check_comment, classify, reject_wrong_formats, split_fields};
use key_type::hint;
pub use key_type::{KeyType, LabelHint};
use material::{check_key_material, decode_blob};

/// A validated public key, normalised to `type base64 [comment]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key_type: KeyType,
    openssh: String,
    fingerprint: Fingerprint,
    fingerprint_sha256: Sha256Fingerprint,
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
        let fingerprint_sha256 = Sha256Fingerprint::of_blob(blob);
        Self { key_type, openssh, fingerprint, fingerprint_sha256 }
    }

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

    /// The SHA-256 fingerprint of the blob, as `ssh-keygen -l` prints it.
    pub fn fingerprint_sha256(&self) -> &Sha256Fingerprint {
        &self.fingerprint_sha256
    }
}

#[cfg(test)]
mod tests;

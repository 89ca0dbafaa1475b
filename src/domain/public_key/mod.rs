//! Parsing and validating public keys in every format people have: the
//! OpenSSH line, and the RFC 4716 and PEM (SubjectPublicKeyInfo, PKCS#1)
//! blocks other tools write, which are converted to an OpenSSH line.
//!
//! The wire blob is decoded with the RustCrypto `ssh-key` crate (and the
//! PEM formats' DER with `spki` and `pkcs1`); the checks around it (private
//! key pasted by mistake, several keys, weak types, points off their curve,
//! invisible characters in the comment) are ours, and the same for every
//! format. No error message ever echoes the input, so a secret sent to the
//! wrong field cannot leak through an error body or a log.

mod comment;
mod error;
mod format;
mod key_type;
mod material;
mod pem;
mod rfc4716;

use base64::{Engine, engine::general_purpose::STANDARD};

use super::fingerprint::{Fingerprint, Sha256Fingerprint};
use comment::check_comment;
pub use error::PublicKeyError;
use format::{classify, reject_line_breaks, split_fields};
use key_type::hint;
pub use key_type::{KeyType, LabelHint};
use material::{blob_label, check_key_material, decode_blob};

/// Markers of private keys in every format users paste by mistake: PEM
/// (`-----BEGIN [RSA |EC |ENCRYPTED |OPENSSH ]PRIVATE KEY-----`), the SSH.com
/// `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----`, PuTTY, and the base64 of
/// the `openssh-key-v1` magic in case the armour was stripped.
const PRIVATE_MARKERS: [&str; 3] = ["PRIVATE KEY", "PuTTY-User-Key-File", "b3BlbnNzaC1rZXktdjE"];

/// What may surround a key and is not part of it: the newline a `.pub` file
/// ends with, and stray blanks. Nothing else is trimmed, so that no
/// invisible character can hide at either end of the text that is stored.
const SURROUNDING: [char; 4] = [' ', '\t', '\r', '\n'];

/// A validated public key: the parsed key material, and the text to store
/// and return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key_type: KeyType,
    blob: Vec<u8>,
    /// `type base64`.
    canonical: String,
    /// What the client sent (an OpenSSH line), or the OpenSSH line a block
    /// in another format was converted to.
    text: String,
    fingerprint: Fingerprint,
    fingerprint_sha256: Sha256Fingerprint,
}

impl PublicKey {
    /// Parses and validates one public key in any accepted format.
    pub fn parse(raw: &str) -> Result<Self, PublicKeyError> {
        let text = raw.trim_matches(SURROUNDING);
        if text.is_empty() {
            return Err(PublicKeyError::Empty);
        }
        if PRIVATE_MARKERS.iter().any(|m| text.contains(m)) {
            return Err(PublicKeyError::PrivateKey);
        }
        if text.starts_with(rfc4716::BEGIN) {
            if text.matches(rfc4716::BEGIN).count() > 1 {
                return Err(PublicKeyError::MultipleKeys);
            }
            let block = rfc4716::decode(text)?;
            return Self::converted(block.blob, &block.comment);
        }
        if text.starts_with(pem::BEGIN) {
            return Self::converted(pem::decode(text)?, "");
        }
        if text.starts_with("----") {
            return Err(PublicKeyError::Rfc4716("the first line must be '---- BEGIN SSH2 PUBLIC KEY ----'"));
        }
        Self::parse_line(text, raw)
    }

    /// An OpenSSH line (`text`, trimmed), kept as the client sent it (`raw`).
    fn parse_line(text: &str, raw: &str) -> Result<Self, PublicKeyError> {
        reject_line_breaks(text)?;
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
        Ok(Self { text: raw.to_owned(), ..Self::from_blob(key_type, &blob, comment) })
    }

    /// A key read from another format, checked like a line and converted to
    /// one: the blob names its own type.
    fn converted(blob: Vec<u8>, comment: &str) -> Result<Self, PublicKeyError> {
        let key_type = classify(blob_label(&blob).ok_or(PublicKeyError::Corrupt)?)?;
        check_key_material(&decode_blob(&blob)?)?;
        check_comment(comment)?;
        Ok(Self::from_blob(key_type, &blob, comment))
    }

    /// Builds the key and its OpenSSH line `type base64[ comment]` from a
    /// blob that is already known to be valid (parsed above, or freshly
    /// generated).
    pub(super) fn from_blob(key_type: KeyType, blob: &[u8], comment: &str) -> Self {
        let canonical = format!("{} {}", key_type.label(), STANDARD.encode(blob));
        let text = if comment.is_empty() { canonical.clone() } else { format!("{canonical} {comment}") };
        let fingerprint = Fingerprint::of_blob(blob);
        let fingerprint_sha256 = Sha256Fingerprint::of_blob(blob);
        Self { key_type, blob: blob.to_vec(), canonical, text, fingerprint, fingerprint_sha256 }
    }

    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The text to store and return: an OpenSSH line exactly as the client
    /// sent it (surrounding blanks and the final newline included), or the
    /// line a key in another format was converted to.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// `type base64`, without comment or anything around it: the key
    /// itself, for authorized_keys lines and comparisons.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// The SSH wire-format blob (the base64 field, decoded).
    pub fn blob(&self) -> &[u8] {
        &self.blob
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
mod format_tests;
#[cfg(test)]
mod tests;

//! Why a `public_key` value was refused.

use super::key_type::{LabelHint, MAX_COMMENT_CHARS, MAX_RSA_BITS, MIN_RSA_BITS};

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
    /// A malformed RFC 4716 block ("---- BEGIN SSH2 PUBLIC KEY ----"); the
    /// reason is one of a fixed set, never text from the block.
    #[error("public_key is not a valid RFC 4716 block: {0}")]
    Rfc4716(&'static str),
    /// A malformed PEM block, or DER inside it that is not the structure its
    /// label promises; the reason is one of a fixed set.
    #[error("public_key is not a valid PEM public key: {0}")]
    Pem(&'static str),
    /// A PEM block of a kind that holds no plain public key (a certificate,
    /// parameters, ...). Its label is not quoted: it is text from the request.
    #[error(
        "public_key is a PEM block of a kind sshkeyd does not read; send 'PUBLIC KEY' \
         (SubjectPublicKeyInfo) or 'RSA PUBLIC KEY' (PKCS#1)"
    )]
    PemLabel,
    /// Not any accepted format.
    #[error(
        "public_key must be an OpenSSH public key ('<type> <base64> [comment]'), an RFC 4716 \
         block or a PEM 'PUBLIC KEY' or 'RSA PUBLIC KEY' block"
    )]
    Format,
    /// `ssh-dss`.
    #[error("DSA (ssh-dss) keys are not accepted: they are weak and disabled in OpenSSH")]
    Dsa,
    /// An OpenSSH certificate rather than a plain key.
    #[error("SSH certificates are not accepted; send the plain public key")]
    Certificate,
    /// A type label outside `KeyType::ALL`.
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
    /// RSA modulus below `MIN_RSA_BITS`.
    #[error("RSA keys must have at least {MIN_RSA_BITS} bits; this one has {0}")]
    RsaTooSmall(usize),
    /// RSA modulus above `MAX_RSA_BITS`.
    #[error("RSA keys may have at most {MAX_RSA_BITS} bits; this one has {0}")]
    RsaTooLarge(usize),
    /// RSA public exponent that no real key uses.
    #[error("the RSA public exponent is invalid")]
    RsaExponent,
    /// An elliptic-curve point that is not on its curve, or a weak one.
    #[error("the key data does not hold a valid {0} public key")]
    InvalidPoint(&'static str),
    /// A comment over `MAX_COMMENT_CHARS`.
    #[error("the comment must be at most {MAX_COMMENT_CHARS} characters")]
    CommentLength,
    /// Characters that are invisible or reorder text, with which one key's
    /// comment could pass for another's in a list.
    #[error(
        "the comment must not contain control characters or invisible formatting characters \
         (bidirectional overrides and isolates, zero-width characters, line or paragraph separators)"
    )]
    CommentCharacters,
}

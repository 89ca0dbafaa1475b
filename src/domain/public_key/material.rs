//! The key material inside the blob: points on their curves, RSA sizes and
//! exponents.

use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};

use super::error::PublicKeyError;
use super::key_type::{MAX_RSA_BITS, MIN_RSA_BITS};

pub(super) fn decode_blob(blob: &[u8]) -> Result<KeyData, PublicKeyError> {
    ssh_key::PublicKey::from_bytes(blob).map(|key| key.key_data().clone()).map_err(|_| PublicKeyError::Corrupt)
}

/// The type label a wire blob starts with (an SSH string), when it has one:
/// what an RFC 4716 block's key says it is, as it carries no text label.
pub(super) fn blob_label(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?);
    let end = 4usize.checked_add(usize::try_from(len).ok()?)?;
    std::str::from_utf8(blob.get(4..end)?).ok()
}

pub(super) fn check_key_material(key: &KeyData) -> Result<(), PublicKeyError> {
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

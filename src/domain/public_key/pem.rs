//! PEM public keys, as OpenSSL and `ssh-keygen -e -m PKCS8|PEM` write them:
//! `-----BEGIN PUBLIC KEY-----` (X.509 SubjectPublicKeyInfo, RFC 5280) for
//! RSA, ECDSA on P-256/384/521 and Ed25519 (RFC 8410), and
//! `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1, RFC 8017).
//!
//! The armour is read by `pem-rfc7468` (RFC 7468's strict grammar: 64
//! characters a line, matching labels, no headers) and the DER by `spki` and
//! `pkcs1`; this module maps the result onto SSH key data. Errors come from
//! a fixed set of reasons: neither the label nor any other text of the block
//! reaches a message.

use pem_rfc7468::Error as PemError;
use spki::der::Decode;
use spki::der::asn1::ObjectIdentifier as Oid;
use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};
use ssh_key::{Mpint, PublicKey as SshPublicKey};

use super::error::PublicKeyError;
use super::key_type::LabelHint;

pub(super) const BEGIN: &str = "-----BEGIN ";

const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
const P521: Oid = Oid::new_unwrap("1.3.132.0.35");

fn malformed(reason: &'static str) -> PublicKeyError {
    PublicKeyError::Pem(reason)
}

/// Decodes one PEM block (trimmed: it starts with `-----BEGIN `) into the
/// SSH wire blob of the key it holds.
pub(super) fn decode(text: &str) -> Result<Vec<u8>, PublicKeyError> {
    if text.matches(BEGIN).count() > 1 {
        return Err(PublicKeyError::MultipleKeys);
    }
    let label = pem_rfc7468::decode_label(text.as_bytes()).map_err(armour_problem)?;
    let read: fn(&[u8]) -> Result<KeyData, PublicKeyError> = match label {
        "PUBLIC KEY" => from_spki,
        "RSA PUBLIC KEY" => from_pkcs1,
        label if label.contains("PRIVATE KEY") => return Err(PublicKeyError::PrivateKey),
        _ => return Err(PublicKeyError::PemLabel),
    };
    let (_, der) = pem_rfc7468::decode_vec(text.as_bytes()).map_err(armour_problem)?;
    let key = read(&der)?;
    SshPublicKey::new(key, "").to_bytes().map_err(|_| PublicKeyError::Corrupt)
}

fn armour_problem(e: PemError) -> PublicKeyError {
    malformed(match e {
        PemError::Base64(_) | PemError::Length => {
            "the base64 between the BEGIN and END lines is invalid, or its lines are not 64 characters long"
        }
        PemError::HeaderDisallowed => "PEM headers (such as Proc-Type) are not allowed in a public key",
        PemError::PreEncapsulationBoundary | PemError::PostEncapsulationBoundary => {
            "the block must be a BEGIN line, lines of base64 and the matching END line, with nothing after it"
        }
        PemError::CharacterEncoding => "the block holds characters that are not US-ASCII",
        _ => "the BEGIN line's label is malformed",
    })
}

/// A SubjectPublicKeyInfo: the algorithm decides how to read the key bits.
fn from_spki(der: &[u8]) -> Result<KeyData, PublicKeyError> {
    let info = spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|_| malformed("the DER inside is not a SubjectPublicKeyInfo"))?;
    let bits = info.subject_public_key.as_bytes().ok_or(malformed("the key's BIT STRING is not whole bytes"))?;
    let params = info.algorithm.parameters;
    let oid = info.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        // RFC 3279 2.3.1: the parameters are NULL (absent is tolerated).
        if params.is_some_and(|p| !p.is_null()) {
            return Err(malformed("RSA algorithm parameters must be NULL"));
        }
        from_pkcs1(bits)
    } else if oid == EC_PUBLIC_KEY {
        let curve = params
            .and_then(|p| p.decode_as::<Oid>().ok())
            .ok_or(malformed("an EC key must name its curve (explicit curve parameters are not read)"))?;
        from_sec1_point(curve, bits)
    } else if oid == ED25519 {
        // RFC 8410 3: the parameters MUST be absent.
        if params.is_some() {
            return Err(malformed("Ed25519 algorithm parameters must be absent"));
        }
        let point: [u8; 32] = bits.try_into().map_err(|_| malformed("an Ed25519 key must be 32 bytes"))?;
        Ok(KeyData::Ed25519(Ed25519PublicKey(point)))
    } else if oid == DSA {
        Err(PublicKeyError::Dsa)
    } else {
        Err(PublicKeyError::Unsupported(LabelHint(None)))
    }
}

/// A PKCS#1 `RSAPublicKey`: the modulus and exponent. Their size and values
/// are checked later, with every other key's.
fn from_pkcs1(der: &[u8]) -> Result<KeyData, PublicKeyError> {
    let key = pkcs1::RsaPublicKey::from_der(der).map_err(|_| malformed("the DER inside is not a PKCS#1 RSA key"))?;
    let mpint =
        |uint: pkcs1::UintRef<'_>| Mpint::from_positive_bytes(uint.as_bytes()).map_err(|_| PublicKeyError::Corrupt);
    Ok(KeyData::Rsa(RsaPublicKey { e: mpint(key.public_exponent)?, n: mpint(key.modulus)? }))
}

/// An EC point in SEC1 form on a named curve. A compressed point is
/// decompressed, since SSH carries points uncompressed (as OpenSSH converts).
fn from_sec1_point(curve: Oid, point: &[u8]) -> Result<KeyData, PublicKeyError> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let uncompressed = if curve == P256 {
        let key = p256::PublicKey::from_sec1_bytes(point).map_err(|_| PublicKeyError::InvalidPoint("nistp256"))?;
        key.to_encoded_point(false).as_bytes().to_vec()
    } else if curve == P384 {
        let key = p384::PublicKey::from_sec1_bytes(point).map_err(|_| PublicKeyError::InvalidPoint("nistp384"))?;
        key.to_encoded_point(false).as_bytes().to_vec()
    } else if curve == P521 {
        let key = p521::PublicKey::from_sec1_bytes(point).map_err(|_| PublicKeyError::InvalidPoint("nistp521"))?;
        key.to_encoded_point(false).as_bytes().to_vec()
    } else {
        return Err(PublicKeyError::Unsupported(LabelHint(None)));
    };
    EcdsaPublicKey::from_sec1_bytes(&uncompressed).map(KeyData::Ecdsa).map_err(|_| PublicKeyError::Corrupt)
}

//! Server-side generation of Ed25519 key pairs.

use rand::rngs::OsRng;
use ssh_key::{Algorithm, LineEnding, PrivateKey};
use zeroize::Zeroizing;

use super::public_key::{KeyType, PublicKey};

/// A freshly generated pair. The private half lives only in zeroizing memory
/// and has no `Debug`, `Clone` or `Serialize`, so it cannot be logged, copied
/// or stored by accident; the HTTP layer moves it straight into the response.
pub struct GeneratedKey {
    /// The public half, normalised like an imported key.
    pub public: PublicKey,
    /// The private half in OpenSSH format (`-----BEGIN OPENSSH PRIVATE KEY-----`).
    pub private_openssh: Zeroizing<String>,
}

/// Errors are impossible in practice for Ed25519 (no parameters can be
/// wrong), but are returned rather than unwrapped so no input path can panic.
pub fn generate_ed25519() -> Result<GeneratedKey, ssh_key::Error> {
    // `PrivateKey` zeroizes its key material on drop.
    let private = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)?;
    let private_openssh = private.to_openssh(LineEnding::LF)?;
    let blob = private.public_key().to_bytes()?;
    let public = PublicKey::from_blob(KeyType::Ed25519, &blob, "");
    Ok(GeneratedKey { public, private_openssh })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_public_key_parses_back_to_itself() {
        let pair = generate_ed25519().unwrap();
        let reparsed = PublicKey::parse(pair.public.text()).unwrap();
        assert_eq!(reparsed, pair.public);
        assert!(pair.private_openssh.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
    }

    #[test]
    fn ssh_keygen_derives_the_returned_public_key_from_the_private_key() {
        let pair = generate_ed25519().unwrap();
        let derived = crate::domain::keygen::public_from_private(&pair.private_openssh);
        assert_eq!(derived, pair.public.text());
        let fp = crate::domain::keygen::md5_fingerprint(pair.public.text());
        assert_eq!(fp, pair.public.fingerprint().as_str());
    }
}

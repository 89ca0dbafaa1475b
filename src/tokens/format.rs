//! The token format: generation, parsing and verification. Pure code.
//!
//! A token reads `skd_<id>_<secret>`: `id` is 16 hex digits, public, and
//! used to find the row; `secret` is 32 random bytes (256 bits) in
//! unpadded base64url. Only SHA-256 of the secret is stored. A fast hash is
//! right here (unlike for passwords): the secret has full entropy, so there
//! is nothing to brute-force, and the check stays far below a microsecond.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::domain::TokenId;

const PREFIX: &str = "skd_";
const ID_HEX_LEN: usize = 16;
const SECRET_LEN: usize = 43; // base64url of 32 bytes, unpadded

/// A newly issued token: the full text (shown once) and what gets stored.
pub struct IssuedToken {
    pub id: TokenId,
    /// The whole token, to print once. Zeroized on drop.
    pub text: Zeroizing<String>,
    /// SHA-256 of the secret part, the only form stored.
    pub secret_hash: [u8; 32],
}

impl IssuedToken {
    /// From the OS random generator.
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        let id = format!("{:016x}", rng.next_u64());
        let mut secret = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(secret.as_mut());
        let secret_text = Zeroizing::new(URL_SAFE_NO_PAD.encode(secret.as_ref()));
        let secret_hash = hash_secret(&secret_text);
        let text = Zeroizing::new(format!("{PREFIX}{id}_{}", secret_text.as_str()));
        Self { id: TokenId(id), text, secret_hash }
    }
}

/// A token as presented in a request, split into its parts.
pub struct PresentedToken<'a> {
    /// To look the token up.
    pub id: TokenId,
    secret: &'a str,
}

impl<'a> PresentedToken<'a> {
    /// Splits a token; `None` when it cannot be one of ours.
    pub fn parse(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix(PREFIX)?;
        let (id, secret) = (rest.get(..ID_HEX_LEN)?, rest.get(ID_HEX_LEN..)?);
        let secret = secret.strip_prefix('_')?;
        let id_ok = id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        let secret_ok =
            secret.len() == SECRET_LEN && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        (id_ok && secret_ok).then(|| Self { id: TokenId(id.to_owned()), secret })
    }

    /// Compares the secret with a stored hash in constant time.
    pub fn matches(&self, stored_hash: &[u8; 32]) -> bool {
        hash_secret(self.secret).ct_eq(stored_hash).into()
    }
}

fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_parses_and_matches_its_own_hash_only() {
        let issued = IssuedToken::generate();
        let presented = PresentedToken::parse(&issued.text).expect("own format");
        assert_eq!(presented.id, issued.id);
        assert!(presented.matches(&issued.secret_hash));
        let secret = &issued.text[PREFIX.len() + ID_HEX_LEN + 1..];
        let sha256: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        assert_eq!(issued.secret_hash, sha256, "what is stored is SHA-256 of the secret part");
        let other = IssuedToken::generate();
        assert!(!presented.matches(&other.secret_hash), "another token's hash must not match");
        assert_ne!(issued.text.as_str(), other.text.as_str());
    }

    #[test]
    fn malformed_tokens_are_refused_without_panicking() {
        let good = IssuedToken::generate().text.to_string();
        let cases = [
            (String::new(), "empty"),
            ("skd_".to_owned(), "prefix only"),
            (good.replacen("skd_", "sk_", 1), "wrong prefix"),
            (good[..good.len() - 1].to_owned(), "secret one char short"),
            (format!("{good}x"), "secret one char long"),
            (format!("skd_ABCDEF0123456789{}", &good[20..]), "upper-case id"),
            ("skd_é".repeat(20), "non-ASCII"),
        ];
        for (text, why) in cases {
            assert!(PresentedToken::parse(&text).is_none(), "{why}");
        }
    }
}

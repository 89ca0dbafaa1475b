//! The SSH key domain: validated names, parsed public keys, fingerprints and
//! key generation. Pure code with no I/O, so every rule here is unit-tested
//! without a server or a database.

mod fingerprint;
mod generate;
mod name;
mod public_key;
#[cfg(test)]
mod test_support;

pub use fingerprint::Fingerprint;
pub use generate::{GeneratedKey, generate_ed25519};
pub use name::{KeyName, KeyNameError};
pub use public_key::{KeyType, PublicKey, PublicKeyError};

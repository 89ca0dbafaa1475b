//! Arbitrary bytes, read as UTF-8, into `PublicKey::parse`. It must never
//! panic, and every accepted key must be a fixed point: parsing its
//! normalised form gives the same form and the same fingerprint.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sshkeyd::domain::PublicKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(key) = PublicKey::parse(text) else { return };
    let again = PublicKey::parse(key.openssh()).expect("a normalised key parses again");
    assert_eq!(again.openssh(), key.openssh(), "normalising is idempotent");
    assert_eq!(again.fingerprint(), key.fingerprint(), "the fingerprint is stable");
    assert_eq!(again.key_type(), key.key_type(), "the type is stable");
});

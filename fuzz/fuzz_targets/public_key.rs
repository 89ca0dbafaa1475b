//! Arbitrary bytes, read as UTF-8, into `PublicKey::parse` (OpenSSH lines,
//! RFC 4716 and PEM blocks). It must never panic, and every accepted key
//! must be a fixed point: parsing the text it stores gives the same text,
//! the same key and the same fingerprint.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sshkeyd::domain::PublicKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(key) = PublicKey::parse(text) else { return };
    let again = PublicKey::parse(key.text()).expect("a stored key parses again");
    assert_eq!(again.text(), key.text(), "the stored text is a fixed point");
    assert_eq!(again.canonical(), key.canonical(), "the key is stable");
    assert_eq!(again.fingerprint(), key.fingerprint(), "the fingerprint is stable");
    assert_eq!(again.key_type(), key.key_type(), "the type is stable");
});

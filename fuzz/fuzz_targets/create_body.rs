//! Arbitrary bytes into the create handler's body decoding (JSON, then the
//! field checks). It must never panic; an accepted body's public key, when
//! present, must parse again to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sshkeyd::http::decode_create_body;
use sshkeyd::domain::PublicKey;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = decode_create_body(data) else { return };
    if let Some(key) = &input.public_key {
        let again = PublicKey::parse(key.text()).expect("an accepted key parses again");
        assert_eq!(again.text(), key.text());
    }
});

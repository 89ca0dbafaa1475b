use base64::{Engine, engine::general_purpose::STANDARD};
use proptest::prelude::*;
use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, SkEcdsaSha2NistP256, SkEd25519};

use super::*;
use crate::domain::keygen::{keygen, keygen_in, md5_fingerprint};
use crate::domain::stored_key::key_fields;

/// Encodes key data as an OpenSSH line with the crate, for the security-key
/// types that `ssh-keygen` cannot make without a device.
fn line_of(key: KeyData, comment: &str) -> String {
    ssh_key::PublicKey::new(key, comment).to_openssh().unwrap()
}

fn sk_keys() -> Vec<String> {
    let ed = ssh_key::PrivateKey::random(&mut rand::rngs::OsRng, ssh_key::Algorithm::Ed25519).unwrap();
    let ed_pub = *ed.public_key().key_data().ed25519().unwrap();
    let ec = ssh_key::PrivateKey::random(
        &mut rand::rngs::OsRng,
        ssh_key::Algorithm::Ecdsa { curve: ssh_key::EcdsaCurve::NistP256 },
    )
    .unwrap();
    let ec_point = match ec.public_key().key_data().ecdsa().unwrap() {
        EcdsaPublicKey::NistP256(p) => *p,
        _ => unreachable!("asked for P-256"),
    };
    vec![
        line_of(SkEd25519::new(ed_pub, "ssh:").into(), "yubikey"),
        line_of(SkEcdsaSha2NistP256::new(ec_point, "ssh:").into(), ""),
    ]
}

#[test]
fn every_accepted_type_parses_and_matches_ssh_keygen_fingerprint() {
    let mut lines: Vec<(String, KeyType)> = vec![
        (keygen("ed25519", None).public, KeyType::Ed25519),
        (keygen("ecdsa", Some(256)).public, KeyType::EcdsaP256),
        (keygen("ecdsa", Some(384)).public, KeyType::EcdsaP384),
        (keygen("ecdsa", Some(521)).public, KeyType::EcdsaP521),
        (keygen("rsa", Some(2048)).public, KeyType::Rsa),
        (keygen("rsa", Some(3072)).public, KeyType::Rsa),
    ];
    let sk = sk_keys();
    lines.push((sk[0].clone(), KeyType::SkEd25519));
    lines.push((sk[1].clone(), KeyType::SkEcdsaP256));
    for (line, key_type) in lines {
        let key = PublicKey::parse(&line).unwrap_or_else(|e| panic!("{key_type:?} refused: {e}"));
        assert_eq!(key.key_type(), key_type, "type of {line}");
        assert_eq!(key.text(), line, "{key_type:?} is stored as ssh-keygen wrote it");
        assert_eq!(key.fingerprint().as_str(), md5_fingerprint(&line), "{key_type:?} fingerprint");
    }
}

#[test]
fn an_openssh_line_is_kept_byte_for_byte_and_its_key_parsed_from_the_fields() {
    let line = keygen("ed25519", None).public;
    let mut parts = line.split(' ');
    let (label, data) = (parts.next().unwrap(), parts.next().unwrap());
    for sent in [format!("{line}\n"), format!("{line}\r\n"), format!("  {label}\t \t{data}   tester@example \n")] {
        let key = PublicKey::parse(&sent).unwrap();
        assert_eq!(key.text(), sent, "returned exactly as sent");
        assert_eq!(key.canonical(), format!("{label} {data}"));
        assert_eq!(key_fields(key.text()), Some((label, data)), "the stored text holds the canonical key");
        assert_eq!(key.blob(), STANDARD.decode(data).unwrap());
        assert_eq!(key.fingerprint().as_str(), md5_fingerprint(&line));
    }
    let bare = format!("{label} {data}");
    assert_eq!(PublicKey::parse(&bare).unwrap().text(), bare, "the comment is optional");
}

#[test]
fn only_blanks_and_line_ends_around_a_key_are_not_part_of_it() {
    let line = keygen("ed25519", None).public;
    for around in ['\u{a0}', '\u{2028}', '\u{85}', '\u{b}', '\u{feff}'] {
        assert!(PublicKey::parse(&format!("{around}{line}")).is_err(), "U+{:04X} before", u32::from(around));
    }
    for after in ['\u{2028}', '\u{85}', '\u{b}', '\u{feff}'] {
        let err = PublicKey::parse(&format!("{line}{after}"));
        assert_eq!(err, Err(PublicKeyError::CommentCharacters), "U+{:04X} after", u32::from(after));
    }
    let nbsp = format!("{line}\u{a0}");
    assert_eq!(PublicKey::parse(&nbsp).unwrap().text(), nbsp, "a no-break space is part of the comment");
}

fn ed25519_data() -> String {
    keygen("ed25519", None).public.split(' ').nth(1).unwrap().to_owned()
}

#[test]
fn bad_keys_are_refused_with_a_reason() {
    let ed = keygen("ed25519", None);
    let rsa_small = keygen("rsa", Some(1024)).public;
    let data = ed25519_data();
    let truncated = STANDARD.encode(&STANDARD.decode(&data).unwrap()[..40]);
    let trailing = STANDARD.encode([STANDARD.decode(&data).unwrap(), vec![0]].concat());
    let pem = keygen_in("rsa", Some(2048), Some("PEM")).private;
    let pkcs8 = keygen_in("ecdsa", Some(256), Some("PKCS8")).private;
    let cases: Vec<(String, PublicKeyError, &str)> = vec![
        ("".into(), PublicKeyError::Empty, "empty"),
        (" \n ".into(), PublicKeyError::Empty, "whitespace only"),
        (ed.private.clone(), PublicKeyError::PrivateKey, "OpenSSH private key"),
        (pem, PublicKeyError::PrivateKey, "PEM private key"),
        (pkcs8, PublicKeyError::PrivateKey, "PKCS#8 private key"),
        ("PuTTY-User-Key-File-3: ssh-ed25519".into(), PublicKeyError::PrivateKey, "PuTTY private key"),
        (format!("{}\n{}", ed.public, ed.public), PublicKeyError::MultipleKeys, "two lines"),
        (format!("{} {}", ed.public, ed.public), PublicKeyError::MultipleKeys, "two keys on one line"),
        (format!("ssh-ed25519\n{data}"), PublicKeyError::MultiLine, "line break inside"),
        (
            "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----".into(),
            PublicKeyError::Corrupt,
            "RFC 4716 block with a blob too short for a type",
        ),
        (
            "---- BEGIN SSH2 KEY ----".into(),
            PublicKeyError::Rfc4716("the first line must be '---- BEGIN SSH2 PUBLIC KEY ----'"),
            "RFC 4716 with a bad BEGIN line",
        ),
        (
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into(),
            PublicKeyError::PemLabel,
            "X.509 certificate",
        ),
        ("ssh-ed25519".into(), PublicKeyError::Format, "label only"),
        (data.clone(), PublicKeyError::Format, "base64 only"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP".into(), PublicKeyError::Dsa, "DSA"),
        (format!("ssh-ed25519-cert-v01@openssh.com {data}"), PublicKeyError::Certificate, "certificate"),
        (format!("ssh-foo {data}"), PublicKeyError::Unsupported(LabelHint(None)), "unknown type"),
        ("ssh-ed25519 !!!notbase64!!!".into(), PublicKeyError::Base64, "garbage base64"),
        (format!("ssh-ed25519 {}", &data[..data.len() - 1]), PublicKeyError::Base64, "cut base64"),
        (format!("ssh-ed25519 {truncated}"), PublicKeyError::Corrupt, "truncated blob"),
        (format!("ssh-ed25519 {trailing}"), PublicKeyError::Corrupt, "trailing bytes"),
        (rsa_small, PublicKeyError::RsaTooSmall(1024), "RSA 1024"),
        (
            format!("ssh-rsa {data}"),
            PublicKeyError::TypeMismatch { label: "ssh-rsa", actual: LabelHint(Some("ssh-ed25519")) },
            "label says RSA, blob is Ed25519",
        ),
        (format!("ssh-ed25519 {data} bad\u{7}comment"), PublicKeyError::CommentCharacters, "control character"),
        (format!("ssh-ed25519 {data} alice\u{202E}moc.live"), PublicKeyError::CommentCharacters, "bidi override"),
        (format!("ssh-ed25519 {data} a\u{2028}b"), PublicKeyError::CommentCharacters, "line separator"),
        (format!("ssh-ed25519 {data} a\u{200B}b"), PublicKeyError::CommentCharacters, "zero-width space"),
        (format!("ssh-ed25519 {data} {}", "c".repeat(1025)), PublicKeyError::CommentLength, "long comment"),
    ];
    for (input, expected, why) in cases {
        assert_eq!(PublicKey::parse(&input), Err(expected), "{why}");
    }
}

#[test]
fn an_ed25519_blob_that_is_not_a_curve_point_is_refused() {
    // About half of all 32-byte strings are not valid compressed points;
    // search a bounded range for one and check we refuse it.
    let bad = (0u8..=255)
        .map(|fill| [fill; 32])
        .find(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_err())
        .expect("some fill byte is off the curve");
    let key = Ed25519PublicKey(bad);
    let line = line_of(KeyData::Ed25519(key), "");
    assert_eq!(PublicKey::parse(&line), Err(PublicKeyError::InvalidPoint("Ed25519")));
}

#[test]
fn error_messages_never_quote_the_input() {
    let secret = keygen("ed25519", None).private;
    let err = PublicKey::parse(&secret).unwrap_err().to_string();
    assert!(!err.contains("b3BlbnNzaC1rZXktdjE"), "{err}");
    let err = PublicKey::parse("sekrit-token-value AAAA").unwrap_err().to_string();
    assert!(!err.contains("sekrit"), "{err}");
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = PublicKey::parse(&s);
    }

    #[test]
    fn arbitrary_blobs_behind_a_valid_label_never_panic(
        label in prop::sample::select(KeyType::ALL.map(KeyType::label).to_vec()),
        blob in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let _ = PublicKey::parse(&format!("{label} {}", STANDARD.encode(&blob)));
    }

    #[test]
    fn every_accepted_key_re_encodes_to_itself(comment in "[ -~]{0,40}") {
        for line in sk_keys() {
            let with_comment = format!("{line} {comment}");
            let key = PublicKey::parse(&with_comment).unwrap();
            let again = PublicKey::parse(key.text()).unwrap();
            prop_assert_eq!(again.text(), key.text());
            prop_assert_eq!(again.fingerprint(), key.fingerprint());
            prop_assert_eq!(key_fields(key.text()), key.canonical().split_once(' '));
        }
    }
}

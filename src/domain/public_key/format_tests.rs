//! The formats other tools write, checked against those tools: the blocks
//! come from `ssh-keygen -e` and `openssl`, and the key each converts to,
//! and its fingerprint, must be what `ssh-keygen -i` and
//! `ssh-keygen -l -E md5` make of the same block.

use std::sync::LazyLock;

use base64::{Engine, engine::general_purpose::STANDARD};
use pem_rfc7468::LineEnding;
use proptest::prelude::*;

use super::*;
use crate::domain::keygen::{
    export_public, import_public, keygen, keygen_in, md5_fingerprint, openssl, openssl_public,
};
use crate::domain::stored_key::key_fields;

/// `type base64` of an OpenSSH line.
fn canonical_of(line: &str) -> String {
    line.split(' ').take(2).collect::<Vec<_>>().join(" ")
}

/// Parses `block` and checks the key against ssh-keygen's conversion.
fn assert_converts_like_ssh_keygen(block: &str, format: &str, why: &str) -> PublicKey {
    let key = PublicKey::parse(block).unwrap_or_else(|e| panic!("{why}: {e}"));
    let reference = import_public(block, format);
    assert_eq!(key.canonical(), reference, "{why}: ssh-keygen -i -m {format} gives the same key");
    assert_eq!(key.fingerprint().as_str(), md5_fingerprint(&reference), "{why}: ssh-keygen's MD5 fingerprint");
    let again = PublicKey::parse(key.text()).unwrap();
    assert_eq!((again.text(), again.fingerprint()), (key.text(), key.fingerprint()), "{why}: a fixed point");
    key
}

const SSH_KEYGEN_KINDS: [(&str, Option<u32>); 5] =
    [("ed25519", None), ("ecdsa", Some(256)), ("ecdsa", Some(384)), ("ecdsa", Some(521)), ("rsa", Some(2048))];

#[test]
fn rfc4716_blocks_from_ssh_keygen_become_the_original_key_with_the_comment_header_as_comment() {
    for (kind, bits) in SSH_KEYGEN_KINDS {
        let pair = keygen(kind, bits);
        let block = export_public(&pair.public, "RFC4716");
        let key = assert_converts_like_ssh_keygen(&block, "RFC4716", kind);
        assert_eq!(key.canonical(), canonical_of(&pair.public), "{kind}");
        let header = block.lines().find_map(|l| l.strip_prefix("Comment: ")).expect("ssh-keygen writes a Comment");
        let comment = header.trim_matches('"');
        assert!(comment.contains("converted by"), "{header}");
        assert_eq!(key.text(), format!("{} {comment}", key.canonical()), "{kind}: the comment, unquoted");
    }
}

#[test]
fn a_puttygen_style_block_with_crlf_and_64_character_lines_converts() {
    let pair = keygen("rsa", Some(3072));
    let data = pair.public.split(' ').nth(1).unwrap();
    let mut lines = vec!["---- BEGIN SSH2 PUBLIC KEY ----".to_owned(), "Comment: \"rsa-key-20250101\"".to_owned()];
    lines.extend(data.as_bytes().chunks(64).map(|c| String::from_utf8(c.to_vec()).unwrap()));
    lines.push("---- END SSH2 PUBLIC KEY ----".into());
    let block = lines.join("\r\n") + "\r\n";
    let key = PublicKey::parse(&block).unwrap();
    assert_eq!(key.text(), format!("{} rsa-key-20250101", canonical_of(&pair.public)));
    assert_eq!(key.fingerprint().as_str(), md5_fingerprint(&pair.public));
}

#[test]
fn spki_blocks_from_ssh_keygen_and_openssl_convert_like_ssh_keygen() {
    for (kind, bits) in &SSH_KEYGEN_KINDS[1..] {
        let pair = keygen(kind, *bits);
        let key = assert_converts_like_ssh_keygen(&export_public(&pair.public, "PKCS8"), "PKCS8", kind);
        assert_eq!(key.canonical(), canonical_of(&pair.public), "{kind} {bits:?}");
        assert_eq!(key.text(), key.canonical(), "PEM carries no comment");
    }
    let made_by_openssl = [
        ("RSA", "rsa_keygen_bits:2048"),
        ("EC", "ec_paramgen_curve:P-256"),
        ("EC", "ec_paramgen_curve:P-384"),
        ("EC", "ec_paramgen_curve:P-521"),
    ];
    for (algorithm, option) in made_by_openssl {
        let pem = openssl_public(algorithm, &[option]);
        assert_converts_like_ssh_keygen(&pem, "PKCS8", option);
        if algorithm == "EC" {
            let compressed = openssl(&["pkey", "-pubin", "-pubout", "-ec_conv_form", "compressed"], &pem);
            let key = assert_converts_like_ssh_keygen(&compressed, "PKCS8", "compressed point");
            assert_eq!(key, PublicKey::parse(&pem).unwrap(), "{option}: compressed or not, the same key");
        }
    }
}

/// ssh-keygen (9.2) reads no Ed25519 PEM, so OpenSSL is the reference for
/// the key, and ssh-keygen still for the fingerprint of the converted line.
#[test]
fn ed25519_spki_blocks_convert_to_the_key_openssl_reads_in_them() {
    let ssh_string = |b: &[u8]| [&(b.len() as u32).to_be_bytes()[..], b].concat();
    let openssl_raw = |pem: &str| {
        let text = openssl(&["pkey", "-pubin", "-text", "-noout"], pem);
        let hex: String = text.split("pub:").nth(1).unwrap().chars().filter(char::is_ascii_hexdigit).collect();
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect::<Vec<u8>>()
    };
    let pem = openssl_public("ED25519", &[]);
    let key = PublicKey::parse(&pem).unwrap();
    assert_eq!(key.blob(), [ssh_string(b"ssh-ed25519"), ssh_string(&openssl_raw(&pem))].concat());
    assert_eq!(key.fingerprint().as_str(), md5_fingerprint(key.text()));
    // The other way round: an ssh-keygen key, put in SPKI by hand (RFC 8410's
    // fixed prefix), is read by OpenSSL as that key and converts back to it.
    let line = keygen("ed25519", None).public;
    let raw = STANDARD.decode(line.split(' ').nth(1).unwrap()).unwrap()[19..].to_vec();
    let der = [&[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00][..], &raw].concat();
    let pem = pem_rfc7468::encode_string("PUBLIC KEY", LineEnding::LF, &der).unwrap();
    assert_eq!(openssl_raw(&pem), raw);
    assert_eq!(PublicKey::parse(&pem).unwrap().canonical(), canonical_of(&line));
}

#[test]
fn pkcs1_blocks_from_ssh_keygen_and_openssl_convert_like_ssh_keygen() {
    let pair = keygen("rsa", Some(2048));
    let key = assert_converts_like_ssh_keygen(&export_public(&pair.public, "PEM"), "PEM", "ssh-keygen -e -m PEM");
    assert_eq!(key.canonical(), canonical_of(&pair.public));
    let spki = openssl_public("RSA", &["rsa_keygen_bits:3072"]);
    let pkcs1 = openssl(&["rsa", "-pubin", "-RSAPublicKey_out"], &spki);
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"), "{pkcs1}");
    let key = assert_converts_like_ssh_keygen(&pkcs1, "PEM", "openssl rsa -RSAPublicKey_out");
    assert_eq!(key, PublicKey::parse(&spki).unwrap(), "PKCS#1 and SPKI of one key are one key");
}

#[test]
fn every_key_rule_applies_after_conversion() {
    let small = keygen("rsa", Some(1024)).public;
    let dsa = keygen("dsa", None).public;
    for format in ["RFC4716", "PKCS8", "PEM"] {
        assert_eq!(
            PublicKey::parse(&export_public(&small, format)),
            Err(PublicKeyError::RsaTooSmall(1024)),
            "{format}"
        );
    }
    for format in ["RFC4716", "PKCS8"] {
        assert_eq!(PublicKey::parse(&export_public(&dsa, format)), Err(PublicKeyError::Dsa), "{format}");
    }
    let cert_blob = STANDARD.encode(b"\0\0\0\x20ssh-ed25519-cert-v01@openssh.com\0\0\0\0");
    let cert = format!("---- BEGIN SSH2 PUBLIC KEY ----\n{cert_blob}\n---- END SSH2 PUBLIC KEY ----\n");
    assert_eq!(PublicKey::parse(&cert), Err(PublicKeyError::Certificate), "an RFC 4716 certificate");
    let spki = export_public(&keygen("ecdsa", Some(256)).public, "PKCS8");
    let (label, mut der) = pem_rfc7468::decode_vec(spki.as_bytes()).unwrap();
    *der.last_mut().unwrap() ^= 1;
    let off_curve = pem_rfc7468::encode_string(label, LineEnding::LF, &der).unwrap();
    assert_eq!(PublicKey::parse(&off_curve), Err(PublicKeyError::InvalidPoint("nistp256")));
    let ed448 = openssl_public("ED448", &[]);
    assert_eq!(PublicKey::parse(&ed448), Err(PublicKeyError::Unsupported(LabelHint(None))), "Ed448");
}

#[test]
fn private_keys_are_refused_whatever_their_armour() {
    let armours = [
        keygen_in("rsa", Some(2048), Some("PEM")).private,
        keygen_in("ecdsa", Some(256), Some("PEM")).private,
        keygen_in("ecdsa", Some(256), Some("PKCS8")).private,
        keygen("ed25519", None).private,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----".into(),
        "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAi4AAAA3aWYtbW9k\n---- END SSH2 ENCRYPTED PRIVATE KEY ----".into(),
    ];
    for armour in armours {
        let first = armour.lines().next().unwrap().to_owned();
        assert_eq!(PublicKey::parse(&armour), Err(PublicKeyError::PrivateKey), "{first}");
    }
}

#[test]
fn malformed_blocks_get_a_reason_that_quotes_nothing_from_them() {
    let line = keygen("ecdsa", Some(256)).public;
    let spki = export_public(&line, "PKCS8");
    let rfc = export_public(&line, "RFC4716");
    let body: String = spki.lines().filter(|l| !l.starts_with("-----")).collect();
    let rewrapped = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
    let cases = [
        (format!("{spki}{spki}"), "more than one key"),
        (format!("{rfc}{rfc}"), "more than one key"),
        (rewrapped, "64 characters"),
        (spki.replace("-----END PUBLIC KEY-----", "-----END RSA PUBLIC KEY-----"), "END line"),
        (spki.replacen("PUBLIC KEY-----\n", "PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\n", 1), "headers"),
        (spki.replace("PUBLIC KEY", "RSA PUBLIC KEY"), "not a PKCS#1 RSA key"),
        (format!("{spki}ssh-ed25519 AAAA"), "END line"),
        (rfc.replace("Comment: \"", "Comment: \"\u{202E}"), "invisible formatting characters"),
        (rfc.replace("---- END", "x-trailing: \\\n---- END"), "RFC 4716"),
    ];
    for (block, expected) in cases {
        let err = PublicKey::parse(&block).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!err.contains(&body[20..40]) && !err.contains("converted by"), "{expected}: quoted in {err}");
    }
}

/// Blocks of every format, made once for the property tests below: an
/// ECDSA and an RSA key from ssh-keygen, in RFC 4716 (without its header
/// lines), SubjectPublicKeyInfo and PKCS#1.
static BLOCKS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let ec = keygen("ecdsa", Some(256)).public;
    let rsa = keygen("rsa", Some(2048)).public;
    let mut blocks = vec![export_public(&ec, "PKCS8"), export_public(&rsa, "PKCS8"), export_public(&rsa, "PEM")];
    for line in [&ec, &rsa] {
        let rfc = export_public(line, "RFC4716");
        blocks.push(rfc.lines().filter(|l| !l.starts_with("Comment:")).collect::<Vec<_>>().join("\n"));
    }
    blocks
});

/// An RFC 4716 block with a `Comment` header: `block` has none.
fn with_comment(block: &str, comment: &str) -> String {
    block.replacen('\n', &format!("\nComment: \"{comment}\"\n"), 1)
}

proptest! {
    #[test]
    fn every_accepted_block_converts_to_a_line_that_re_encodes_to_itself(
        which in 0..5usize,
        comment in "[ -~]{0,40}",
    ) {
        let block = &BLOCKS[which];
        let block = if block.starts_with("---- BEGIN SSH2") { with_comment(block, &comment) } else { block.clone() };
        let key = PublicKey::parse(&block).unwrap();
        let again = PublicKey::parse(key.text()).unwrap();
        prop_assert_eq!(again.text(), key.text());
        prop_assert_eq!(again.fingerprint(), key.fingerprint());
        prop_assert_eq!(again.canonical(), key.canonical());
        prop_assert_eq!(key_fields(key.text()), key.canonical().split_once(' '), "what the store reads back");
    }

    #[test]
    fn arbitrary_text_inside_rfc4716_armour_never_panics(inner in any::<String>()) {
        let _ = PublicKey::parse(&format!("---- BEGIN SSH2 PUBLIC KEY ----\n{inner}\n---- END SSH2 PUBLIC KEY ----"));
    }

    #[test]
    fn arbitrary_der_inside_pem_armour_never_panics(
        label in prop::sample::select(vec!["PUBLIC KEY", "RSA PUBLIC KEY"]),
        der in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let _ = PublicKey::parse(&pem_rfc7468::encode_string(label, LineEnding::LF, &der).unwrap());
    }

    #[test]
    fn blocks_with_one_byte_changed_never_panic(which in 0..3usize, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let (label, mut der) = pem_rfc7468::decode_vec(BLOCKS[which].as_bytes()).unwrap();
        let at = at.index(der.len());
        der[at] = byte;
        let _ = PublicKey::parse(&pem_rfc7468::encode_string(label, LineEnding::LF, &der).unwrap());
    }
}

//! Fingerprints against known digests and against `ssh-keygen`.

use super::*;
use crate::domain::PublicKey;
use crate::domain::keygen::{keygen, md5_fingerprint, sha256_fingerprint};

#[test]
fn fingerprint_is_sixteen_colon_separated_lower_hex_bytes() {
    // MD5("") is d41d8cd98f00b204e9800998ecf8427e.
    let fp = Fingerprint::of_blob(b"");
    assert_eq!(fp.as_str(), "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e");
}

#[test]
fn sha256_fingerprint_is_the_prefix_and_unpadded_base64() {
    // SHA-256("") is e3b0c442...b855, whose base64 is 47DEQpj8...uFU=.
    let fp = Sha256Fingerprint::of_blob(b"");
    assert_eq!(fp.as_str(), "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
}

#[test]
fn both_fingerprints_are_what_ssh_keygen_prints_for_every_key_type() {
    for (kind, bits) in [("ed25519", None), ("ecdsa", Some(384)), ("rsa", Some(2048))] {
        let line = keygen(kind, bits).public;
        let key = PublicKey::parse(&line).unwrap();
        assert_eq!(key.fingerprint_sha256().as_str(), sha256_fingerprint(&line), "{kind}");
        assert_eq!(key.fingerprint().as_str(), md5_fingerprint(&line), "{kind}");
        let from_line = Sha256Fingerprint::of_stored_text(&format!(" {line}\r\n")).unwrap();
        assert_eq!(&from_line, key.fingerprint_sha256(), "{kind}: from the stored line");
    }
    assert_eq!(Sha256Fingerprint::of_stored_text("ssh-ed25519"), None, "no second field");
    assert_eq!(Sha256Fingerprint::of_stored_text("ssh-ed25519 !!"), None, "not base64");
}

#[test]
fn lookup_fingerprints_parse_in_either_form_and_read_back_canonically() {
    let sha = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    let md5 = "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e";
    let cases = [
        (sha.to_owned(), sha, "SHA-256 as ssh-keygen prints it"),
        (sha.replace('+', " "), sha, "a '+' decoded to a space by a query string"),
        (md5.to_owned(), md5, "MD5 as the API reports it"),
        (format!("MD5:{md5}"), md5, "MD5 as ssh-keygen -E md5 prints it"),
        (md5.to_ascii_uppercase(), md5, "upper-case hex"),
    ];
    for (raw, canonical, why) in cases {
        assert_eq!(KeyFingerprint::parse(&raw).map(|f| f.as_str().to_owned()), Ok(canonical.to_owned()), "{why}");
    }
    assert!(matches!(KeyFingerprint::parse(sha), Ok(KeyFingerprint::Sha256(_))));
    assert!(matches!(KeyFingerprint::parse(md5), Ok(KeyFingerprint::Md5(_))));
}

#[test]
fn malformed_lookup_fingerprints_are_refused() {
    let sha = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    let md5 = "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e";
    let cases = [
        String::new(),
        "SHA256:".into(),
        format!("{sha}="),
        format!("{sha}A"),
        sha[..sha.len() - 1].to_owned(),
        sha.replace("SHA256:", "sha256:"),
        sha.replace("SHA256:", ""),
        // Same digest, but the last character carries non-zero padding bits.
        sha.replace("uFU", "uFV"),
        md5[..46].to_owned(),
        format!("{md5}:00"),
        md5.replace(':', "-"),
        md5.replace("d4", "g4"),
        md5.replace(':', ""),
        format!("MD5:{sha}"),
    ];
    for raw in cases {
        assert_eq!(KeyFingerprint::parse(&raw), Err(FingerprintSyntax), "{raw:?}");
    }
}

//! What `public_key` may hold and what comes back: an OpenSSH line byte for
//! byte, and the RFC 4716 and PEM blocks other tools write, converted, with
//! ssh-keygen's own fingerprint.

use serde_json::json;

use crate::helpers::TestApp;
use crate::keygen::{export_public, import_public, keygen, md5_fingerprint, openssl, openssl_public};

#[tokio::test]
async fn an_openssh_line_reads_back_byte_for_byte_from_create_get_list_and_patch() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let line = keygen("ed25519", None).public;
    let (label, rest) = line.split_once(' ').unwrap();
    let sent = [format!("{line}\n"), format!("{line}\r\n"), format!(" {label}\t{rest}  \n\n")];
    for (i, public_key) in sent.iter().enumerate() {
        let created = app.create_key(&token, 1, json!({"name": format!("exact-{i}"), "public_key": public_key})).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.str("public_key"), public_key, "create returns it as sent");
        assert_eq!(created.str("fingerprint"), md5_fingerprint(&line), "the fingerprint is the key's");
        let id = created.str("id");
        assert_eq!(app.get_key(&token, 1, id).await.str("public_key"), public_key, "get");
        let patched = app.update_key(&token, 1, id, json!({"shared_in_project": false})).await;
        assert_eq!(patched.str("public_key"), public_key, "PATCH");
        let listed = app.list_keys(&token, 1, &format!("name=exact-{i}")).await;
        assert_eq!(listed.body["results"][0]["public_key"], public_key.as_str(), "list");
    }
}

#[tokio::test]
async fn blocks_from_ssh_keygen_and_openssl_are_stored_as_the_openssh_line_ssh_keygen_converts_them_to() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let ecdsa = keygen("ecdsa", Some(384)).public;
    let rsa = keygen("rsa", Some(2048)).public;
    let ed25519 = keygen("ed25519", None).public;
    let cases = [
        (export_public(&ed25519, "RFC4716"), "RFC4716"),
        (export_public(&rsa, "RFC4716"), "RFC4716"),
        (export_public(&ecdsa, "PKCS8"), "PKCS8"),
        (export_public(&rsa, "PKCS8"), "PKCS8"),
        (openssl_public("EC", &["ec_paramgen_curve:P-521"]), "PKCS8"),
        (export_public(&rsa, "PEM"), "PEM"),
        (openssl(&["rsa", "-pubin", "-RSAPublicKey_out"], &openssl_public("RSA", &["rsa_keygen_bits:3072"])), "PEM"),
    ];
    for (i, (block, format)) in cases.iter().enumerate() {
        let created = app.create_key(&token, 1, json!({"name": format!("block-{i}"), "public_key": block})).await;
        assert_eq!(created.status, 201, "{format} #{i}: {}", created.body);
        let converted = import_public(block, format);
        let stored = created.str("public_key");
        assert!(stored.starts_with(&converted), "{format} #{i}: {stored} is ssh-keygen's {converted}");
        assert_eq!(created.str("fingerprint"), md5_fingerprint(&converted), "{format} #{i}");
        let comment = block.lines().find_map(|l| l.strip_prefix("Comment: ")).map(|c| c.trim_matches('"'));
        let expected = comment.map_or(converted.clone(), |c| format!("{converted} {c}"));
        assert_eq!(stored, expected, "{format} #{i}: the Comment header is the comment; PEM has none");
        assert_eq!(app.get_key(&token, 1, created.str("id")).await.str("public_key"), stored, "{format} #{i}");
    }
    let ed_spki = openssl_public("ED25519", &[]);
    let created = app.create_key(&token, 1, json!({"name": "ed-spki", "public_key": ed_spki})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.str("public_key").starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
    assert_eq!(created.str("fingerprint"), md5_fingerprint(created.str("public_key")));
}

#[tokio::test]
async fn refused_blocks_and_comments_get_400_without_echo_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let line = keygen("ecdsa", Some(256)).public;
    let spki = export_public(&line, "PKCS8");
    let body: String = spki.lines().filter(|l| !l.starts_with("-----")).collect();
    let cases = [
        (export_public(&keygen("rsa", Some(1024)).public, "PEM"), "at least 2048 bits"),
        (export_public(&keygen("dsa", None).public, "RFC4716"), "DSA"),
        (spki.replace("PUBLIC KEY", "PRIVATE KEY"), "private key"),
        (spki.replace("PUBLIC KEY", "CERTIFICATE"), "does not read"),
        (format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"), "64 characters"),
        (format!("{spki}{spki}"), "more than one key"),
        (export_public(&line, "RFC4716").replace("---- END", "Comment: x\n---- END"), "base64"),
        (format!("{line}\u{202E}txt.exe"), "bidirectional"),
        (format!("{} alice\u{2066}@evil\u{2069}", &line[..line.rfind(' ').unwrap()]), "bidirectional"),
        (format!("{line}\u{200B}"), "zero-width"),
        (format!("{line} a\u{2028}b"), "line or paragraph separators"),
    ];
    for (public_key, expected) in cases {
        let reply = app.create_key(&token, 1, json!({"name": "refused", "public_key": public_key})).await;
        reply.assert_error(400, "ValidationError");
        let message = reply.body["invalid_fields"]["public_key"].as_str().unwrap();
        assert!(message.contains(expected), "{expected}: {message}");
        assert!(!reply.body.to_string().contains(&body[10..40]), "{expected}: key data echoed in {}", reply.body);
    }
    assert_eq!(app.count_rows("ssh_keys").await, 0, "nothing stored after rejections");
    assert_eq!(app.count_rows("audit_events").await, 0, "nothing audited after rejections");
}

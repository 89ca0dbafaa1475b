//! The import checks, line by line: every damaged or hand-edited file is
//! refused with the line and the reason.

use serde_json::{Value, json};

use super::{CheckedLines, RecordSource, Summary};
use crate::domain::generate_ed25519;

/// A small valid export: two users, a project, a token, a shared and an
/// unshared key, their counters, an audit event.
fn valid() -> Vec<Value> {
    let key = |id: &str, owner: i64, name: &str, shared: bool| {
        let public = generate_ed25519().unwrap().public;
        json!({"kind": "key", "id": id, "project": 7, "owner": owner, "name": name,
               "public_key": public.text(), "fingerprint": public.fingerprint().as_str(),
               "fingerprint_sha256": public.fingerprint_sha256().as_str(), "shared": shared, "created_at": 5})
    };
    vec![
        json!({"kind": "header", "format": 1, "sshkeyd": "0.1.0", "backend": "sqlite", "exported_at": 9}),
        json!({"kind": "user", "id": 1, "name": "alice", "created_at": 1}),
        json!({"kind": "user", "id": 2, "name": "bob", "created_at": 2}),
        json!({"kind": "project", "id": 7, "key_count": 2, "shared_count": 1}),
        json!({"kind": "token", "id": "0123456789abcdef", "user": 1, "secret_hash": "ab".repeat(32),
               "created_at": 3, "expires_at": null, "last_used_at": 4, "revoked_at": null,
               "read_only": false, "projects": [7]}),
        key("11111111-1111-4111-8111-111111111111", 1, "laptop", true),
        key("22222222-2222-4222-8222-222222222222", 2, "desktop", false),
        json!({"kind": "private_key_count", "project": 7, "owner": 2, "count": 1}),
        json!({"kind": "audit_event", "id": 1, "at": 5, "action": "create", "user": 1, "project": 7,
               "key_id": "11111111-1111-4111-8111-111111111111",
               "fingerprint": "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", "request_id": "req-0001"}),
    ]
}

fn text(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Reads the whole input as an import does.
fn read(input: &str) -> Result<Summary, String> {
    let mut lines = CheckedLines::new(input.as_bytes());
    let mut run = || -> anyhow::Result<Summary> {
        while lines.next_record()?.is_some() {}
        lines.finish()
    };
    run().map_err(|e| e.to_string())
}

#[test]
fn a_valid_export_is_read_whole_and_counted() {
    let summary = read(&text(&valid())).unwrap();
    assert_eq!((summary.users, summary.projects, summary.tokens, summary.keys, summary.audit_events), (2, 1, 1, 2, 1));
    let without_final_newline = text(&valid());
    assert!(read(without_final_newline.trim_end()).is_ok());
}

#[test]
fn damaged_or_hand_edited_lines_are_refused_with_their_number_and_reason() {
    type Edit = fn(&mut Vec<Value>);
    let cases: &[(&str, Edit, &str)] = &[
        ("a string, not an object", |l| l[2] = json!("user"), "line 3: invalid type: string"),
        ("unknown kind", |l| l[2]["kind"] = json!("group"), "line 3: unknown variant `group`"),
        ("missing field", |l| drop(l[2].as_object_mut().unwrap().remove("name")), "line 3: missing field `name`"),
        ("missing null field", |l| drop(l[4].as_object_mut().unwrap().remove("revoked_at")), "line 5: missing field"),
        ("extra field", |l| l[1]["admin"] = json!(true), "line 2: unknown field `admin`"),
        ("duplicate user id", |l| l[2]["id"] = json!(1), "line 3: user 1 is already defined on line 2"),
        ("duplicate user name", |l| l[2]["name"] = json!("alice"), "line 3: user 2: user 1 already has this name"),
        ("bad user name", |l| l[2]["name"] = json!("bo\nb"), "line 3: user 2: name must be"),
        ("project id out of range", |l| l[3]["id"] = json!(9_007_199_254_740_992_i64), "line 4: project id must be"),
        (
            "token of a missing user",
            |l| l[4]["user"] = json!(9),
            "line 5: token 0123456789abcdef: user 9 is not defined",
        ),
        (
            "token of a missing project",
            |l| l[4]["projects"] = json!([7, 8]),
            "line 5: token 0123456789abcdef: project 8",
        ),
        (
            "bad token hash",
            |l| l[4]["secret_hash"] = json!("AB".repeat(32)),
            "line 5: token 0123456789abcdef: secret_hash",
        ),
        ("bad token id", |l| l[4]["id"] = json!("skd_x"), "line 5: token id must be 16 lower-case hex digits"),
        ("upper-case key id", |l| l[5]["id"] = json!("11111111-1111-4111-8111-11111111111A"), "line 6: key id must be"),
        (
            "duplicate key id",
            |l| l[6]["id"] = l[5]["id"].clone(),
            "line 7: key 11111111-1111-4111-8111-111111111111: this id",
        ),
        (
            "duplicate name",
            |l| l[6]["name"] = json!("laptop"),
            "line 7: key 22222222-2222-4222-8222-222222222222: name \"laptop\" is already used in project 7 by the key on line 6",
        ),
        (
            "bad key name",
            |l| l[5]["name"] = json!("-x-"),
            "line 6: key 11111111-1111-4111-8111-111111111111: name must start",
        ),
        (
            "key of a missing project",
            |l| l[5]["project"] = json!(8),
            "line 6: key 11111111-1111-4111-8111-111111111111: project 8 is not defined",
        ),
        (
            "key of a missing owner",
            |l| l[5]["owner"] = json!(3),
            "line 6: key 11111111-1111-4111-8111-111111111111: owner: user 3 is not defined",
        ),
        (
            "invalid public key",
            |l| l[5]["public_key"] = json!("ssh-ed25519 AAAA"),
            "line 6: key 11111111-1111-4111-8111-111111111111: public_key",
        ),
        (
            "private key",
            |l| l[5]["public_key"] = json!("-----BEGIN OPENSSH PRIVATE KEY-----"),
            "line 6: key 11111111-1111-4111-8111-111111111111: public_key holds a private key",
        ),
        (
            "wrong MD5",
            |l| l[5]["fingerprint"] = json!("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"),
            "line 6: key 11111111-1111-4111-8111-111111111111: fingerprint does not match",
        ),
        (
            "wrong SHA-256",
            |l| l[6]["fingerprint_sha256"] = json!("SHA256:x"),
            "line 7: key 22222222-2222-4222-8222-222222222222: fingerprint_sha256 does not match",
        ),
        (
            "counter off by one",
            |l| l[3]["key_count"] = json!(3),
            "line 4: project 7 declares key_count 3 and shared_count 1, but its keys in the file give 2 and 1",
        ),
        ("key line lost", |l| drop(l.remove(5)), "line 4: project 7 declares key_count 2"),
        ("private count wrong", |l| l[7]["count"] = json!(2), "line 8: private_key_count of user 2 in project 7 is 2"),
        (
            "private count missing",
            |l| drop(l.remove(7)),
            "line 7: no private_key_count line counts the unshared keys of user 2 in project 7",
        ),
        ("audit of a missing user", |l| l[8]["user"] = json!(5), "line 9: audit event 1: user 5 is not defined"),
        ("audit action", |l| l[8]["action"] = json!("rename"), "line 9: audit event 1: action must be"),
        ("second header", |l| l.push(l[0].clone()), "line 10: a second header"),
        ("header not first", |l| l.swap(0, 1), "line 1: the first line must be the header"),
        (
            "future format",
            |l| l[0] = json!({"kind": "header", "format": 2, "new": 1}),
            "line 1: format 2 is newer than this sshkeyd reads (format 1)",
        ),
        ("format zero", |l| l[0]["format"] = json!(0), "line 1: format must be 1"),
        ("unknown backend", |l| l[0]["backend"] = json!("mysql"), "line 1: backend must be sqlite or postgres"),
    ];
    for (what, edit, expected) in cases {
        let mut lines = valid();
        edit(&mut lines);
        let error = read(&text(&lines)).expect_err(what);
        assert!(error.starts_with(expected), "{what}: {error}");
    }
}

#[test]
fn inputs_that_are_not_json_lines_are_refused_by_line() {
    assert_eq!(read("").unwrap_err(), "line 1: the input is empty: an export starts with a header line");
    assert!(read("not json\n").unwrap_err().starts_with("line 1: not JSON"));
    let header = text(&valid()[..1]);
    assert!(read(&format!("{header}\n")).unwrap_err().starts_with("line 2: not JSON"), "a blank line");
    assert_eq!(read(&format!("{header}\u{0}\u{ff}")).unwrap_err(), "line 2: not JSON: expected value");
    let invalid_utf8 = [header.as_bytes(), b"\xff\xfe\n"].concat();
    let mut lines = CheckedLines::new(invalid_utf8.as_slice());
    assert_eq!(lines.next_record().unwrap_err().to_string(), "line 2: not UTF-8 text");
    let long = format!("{header}{}\n", "x".repeat(super::MAX_LINE_BYTES + 1));
    assert!(read(&long).unwrap_err().starts_with("line 2: longer than"));
}

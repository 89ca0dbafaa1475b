//! The admin commands as scripts use them: output cut short by a closed
//! pipe, and the one rule for each input (`--user`, `--project`,
//! `--expires-in`), refused with a message that states it.

use std::process::{Output, Stdio};

use serde_json::json;

use crate::helpers::{TestApp, scalar};
use crate::serve::{create_token, sqlite_url, sshkeyd};
use sshkeyd::store::DatabaseUrl;

/// Runs `sshkeyd ARGS` with its standard output on a pipe whose reading
/// end is already closed, as `| head -1` leaves it once `head` has its
/// line: every write fails with EPIPE.
fn with_stdout_closed(args: &[&str]) -> Output {
    let mut child = sshkeyd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn token_list_and_audit_exit_0_quietly_when_the_reader_closes_the_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("pipe.db"));
    for i in 0..3 {
        create_token(&url, &format!("user-{i}"), &[1], &[]);
    }
    // One audit event, so that `audit` has a line to write.
    let app = TestApp::spawn_with(sshkeyd::config::Settings {
        database: Some(DatabaseUrl::parse(&url).unwrap()),
        ..Default::default()
    })
    .await;
    let token = app.token("alice", &[1]).await;
    assert_eq!(app.create_key(&token, 1, json!({"name": "audited"})).await.status, 201);
    app.stop().await;

    let commands: [&[&str]; 2] =
        [&["token", "list", "--database", &url], &["audit", "--database", &url, "--project", "1"]];
    for args in commands {
        let out = with_stdout_closed(args);
        assert!(out.status.success(), "{args:?}: {} {}", out.status, stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}: nothing on stderr");
    }
    // Through a shell and `head -1`, as people type it.
    let pipeline =
        format!("set -o pipefail; '{}' token list --database '{url}' | head -1", env!("CARGO_BIN_EXE_sshkeyd"));
    let out = std::process::Command::new("bash").args(["-c", &pipeline]).output().unwrap();
    assert!(out.status.success(), "{} {}", out.status, stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ID\tUSER\t"), "the header line");
}

#[test]
fn a_token_that_cannot_be_printed_is_an_error_naming_its_id_to_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("lost.db"));
    let out = with_stdout_closed(&["token", "create", "--database", &url, "--user", "alice", "--project", "1"]);
    assert!(!out.status.success(), "a token nobody saw is a failure");
    assert!(stderr(&out).contains("sshkeyd token revoke "), "{}", stderr(&out));
}

#[tokio::test]
async fn user_names_with_control_format_or_line_break_characters_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("users.db");
    let url = sqlite_url(&db);
    create_token(&url, "admin", &[1], &[]);
    for user in ["al\nice", "alice\r", "al\u{1b}[2Jice", "al\u{202E}ecila", "al\u{2028}ice", "", " alice"] {
        let out = sshkeyd(&["token", "create", "--database", &url, "--user", user, "--project", "1"]).output().unwrap();
        assert!(!out.status.success(), "{user:?} accepted");
        assert!(stderr(&out).contains("--user"), "{user:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no control or format characters"), "{user:?}: {}", stderr(&out));
    }
    let url = DatabaseUrl::Sqlite(db);
    assert_eq!(scalar(&url, "SELECT count(*) FROM users").await, 1, "only admin");
    assert_eq!(scalar(&url, "SELECT count(*) FROM tokens").await, 1);
}

#[tokio::test]
async fn expires_in_must_be_from_a_second_to_ten_years_and_is_stored_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("expiry.db");
    let url = sqlite_url(&db);
    let create = |expires: &str| {
        sshkeyd(&["token", "create", "--database", &url, "--user", "alice", "--project", "1", "--expires-in", expires])
            .output()
            .unwrap()
    };
    for refused in ["0s", "500ms", "3651d", "99999999999d"] {
        let out = create(refused);
        assert!(!out.status.success(), "--expires-in {refused} accepted");
        let message = stderr(&out);
        assert!(message.contains("--expires-in") && message.contains("3650d"), "{refused}: {message}");
    }
    assert!(create("3650d").status.success());
    let url = DatabaseUrl::Sqlite(db);
    assert_eq!(scalar(&url, "SELECT count(*) FROM tokens").await, 1, "only the valid one");
    let lifetime = scalar(&url, "SELECT expires_at - created_at FROM tokens").await;
    assert_eq!(lifetime, 3650 * 86_400 * 1_000_000, "ten years in microseconds, never i64::MAX");
}

#[tokio::test]
async fn the_command_line_and_the_api_accept_exactly_the_same_project_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("projects.db");
    let url = sqlite_url(&db);
    let message = "must be an integer from 1 to 9007199254740991";
    for refused in ["0", "01", "001", "-1", "+1", "9007199254740992", "9223372036854775807", "1e3"] {
        // `--project=-1`: a separate `-1` would be read as a flag.
        let flag = format!("--project={refused}");
        let out = sshkeyd(&["token", "create", "--database", &url, "--user", "alice", &flag]).output().unwrap();
        assert!(!out.status.success(), "--project {refused} accepted");
        assert!(stderr(&out).contains(message), "{refused}: {}", stderr(&out));
        let audit = sshkeyd(&["audit", "--database", &url, &flag]).output().unwrap();
        assert!(!audit.status.success() && stderr(&audit).contains(message), "audit --project {refused}");
    }
    let (token, _) = create_token(&url, "alice", &[9_007_199_254_740_991], &[]);
    let app = TestApp::spawn_with(sshkeyd::config::Settings {
        database: Some(DatabaseUrl::parse(&url).unwrap()),
        ..Default::default()
    })
    .await;
    let listed = app.list_keys(&token, 9_007_199_254_740_991, "").await;
    assert_eq!(listed.status, 200, "the largest id works on both sides: {}", listed.body);
    for refused in ["01", "9007199254740992", "9223372036854775807"] {
        let reply =
            app.request(axum::http::Method::GET, &format!("/cloud/v1/ssh_keys/{refused}"), Some(&token), None).await;
        reply.assert_error(400, "ValidationError");
        assert_eq!(reply.body["message"], format!("project_id: {message}"), "{refused}");
    }
}

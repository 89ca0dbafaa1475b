//! No error after a committed write: once a create is handed to the store,
//! its request waits for the outcome; the request timeout applies only
//! before that point, and a client that goes away cannot stop it halfway.
//! Commits are made slow (after the real store committed) around a short
//! request timeout, and every answer is checked against the rows. Both
//! faces create through the same hand-over, so creates alternate between
//! `/cloud/v1/ssh_keys` and `/cloud/v2/keypairs`.

use std::time::Duration;

use axum::http::Method;
use serde_json::json;
use sshkeyd::config::Settings;

use super::millis;
use crate::helpers::{TestApp, scalar};
use crate::http_client::{Client, RequestBuilder};
use crate::slow_store::SlowCommits;

/// The hold written in a key's name, `slow-<ms>-<n>`, in milliseconds.
fn delay_from_name(name: &str) -> Duration {
    let ms = name.split('-').nth(1).and_then(|ms| ms.parse().ok()).unwrap_or(0);
    Duration::from_millis(ms)
}

async fn stored(app: &TestApp, name: &str) -> bool {
    scalar(&app.database, &format!("SELECT count(*) FROM ssh_keys WHERE name = '{name}'")).await == 1
}

/// The create of `name` on the v1 face, or on the v2 face.
fn create_request(client: &Client, app: &TestApp, token: &str, name: &str, v2: bool) -> RequestBuilder {
    let (path, body) = match v2 {
        false => ("/cloud/v1/ssh_keys/1", json!({"name": name})),
        true => ("/cloud/v2/keypairs", json!({"sshkey_name": name, "project_id": 1})),
    };
    client
        .request(Method::POST, format!("{}{path}", app.base))
        .header("Authorization", format!("APIKey {token}"))
        .json(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_that_outlasts_the_request_timeout_still_gets_its_201_on_either_face_and_never_an_error_with_the_key_stored()
 {
    let settings = Settings { request_timeout: millis(300), ..Settings::default() };
    let app = TestApp::spawn_wrapped(settings, |store| SlowCommits::delayed(store, delay_from_name)).await;
    let token = app.token("alice", &[1]).await;
    let client = Client::with_timeout(Duration::from_secs(20));
    let delays = [0, 50, 200, 280, 300, 320, 400, 700, 1000];
    let tasks: Vec<_> = (0..72)
        .map(|i| {
            let name = format!("slow-{}-{i}", delays[i % delays.len()]);
            // Four creates on one face, four on the other; over the 72,
            // each face gets every delay and nine clients that give up.
            let request = create_request(&client, &app, &token, &name, (i / 4) % 2 == 1);
            // Every fourth client gives up after 150 ms and closes.
            let gives_up = i % 4 == 3;
            tokio::spawn(async move {
                let sent = request.send();
                let reply = if gives_up {
                    tokio::time::timeout(Duration::from_millis(150), sent).await.ok()
                } else {
                    Some(sent.await)
                };
                (name, reply.map(|r| r.map(|r| r.status().as_u16())))
            })
        })
        .collect();
    let (mut created, mut refused, mut gone) = (Vec::new(), Vec::new(), Vec::new());
    for task in tasks {
        match task.await.unwrap() {
            (name, Some(Ok(201))) => created.push(name),
            (name, Some(Ok(status))) => refused.push((name, status)),
            (name, Some(Err(e))) => panic!("{name}: no answer: {e}"),
            (name, None) => gone.push(name),
        }
    }
    eprintln!(
        "request timeout 300 ms, commits held 0-1000 ms: {} created, {} refused, {} clients gone",
        created.len(),
        refused.len(),
        gone.len()
    );
    for name in &created {
        assert!(stored(&app, name).await, "{name}: 201 but not stored");
    }
    for (name, status) in &refused {
        assert!(!stored(&app, name).await, "{name}: {status} although the key was stored");
    }
    assert!(refused.is_empty(), "every create was handed over before the timeout: {refused:?}");
    // A write whose client went away completes all the same.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for name in &gone {
        assert!(stored(&app, name).await, "{name}: the write stopped when its client went away");
    }
    assert_eq!(app.count_rows("ssh_keys").await as usize, created.len() + gone.len());
}

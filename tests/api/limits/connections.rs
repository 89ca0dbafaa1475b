//! Connection limits: past `--max-connections-per-ip` from one address, or
//! `--max-connections` in all, a new connection is closed at once, while
//! other addresses are served; a closed connection frees its place.

use std::time::Duration;

use axum::http::Method;
use sshkeyd::config::Settings;
use tokio::net::TcpStream;

use super::admission::connect_from;
use super::wire::closed_within;
use crate::helpers::TestApp;

/// Whether the server closes a new connection from `source` at once
/// (`None` if it could not even connect).
async fn refused_from(source: [u8; 4], app: &TestApp) -> (bool, Option<TcpStream>) {
    let Ok(mut stream) = connect_from(source, app).await else { return (true, None) };
    match closed_within(&mut stream, Duration::from_millis(300)).await {
        Some(_) => (true, None),
        None => (false, Some(stream)),
    }
}

/// Opens `n` idle connections from `source`, each accepted and held.
async fn hold(source: [u8; 4], app: &TestApp, n: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for _ in 0..n {
        held.push(connect_from(source, app).await.unwrap());
    }
    // The server takes them in accept order, at once.
    tokio::time::sleep(Duration::from_millis(100)).await;
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_per_address_limit_new_connections_from_that_address_are_closed_and_others_are_served() {
    let settings = Settings { max_connections_per_ip: Some(8), ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    let held = hold([127, 0, 0, 2], &app, 8).await;
    let (refused, _) = refused_from([127, 0, 0, 2], &app).await;
    assert!(refused, "a ninth connection from 127.0.0.2 is closed at once");
    let (refused, _kept) = refused_from([127, 0, 0, 3], &app).await;
    assert!(!refused, "127.0.0.3 has its own allowance");
    assert_eq!(app.raw(Method::GET, "/healthz").send().await.unwrap().status(), 200, "127.0.0.1 is served");

    drop(held);
    let mut freed = false;
    for _ in 0..50 {
        if !refused_from([127, 0, 0, 2], &app).await.0 {
            freed = true;
            break;
        }
    }
    assert!(freed, "closed connections free their places");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_total_limit_every_new_connection_is_closed_until_one_ends() {
    let settings = Settings { max_connections: Some(6), ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    let mut held = hold([127, 0, 0, 2], &app, 3).await;
    held.extend(hold([127, 0, 0, 3], &app, 3).await);
    for source in [[127, 0, 0, 1], [127, 0, 0, 4]] {
        assert!(refused_from(source, &app).await.0, "{source:?}: a seventh connection is closed");
    }
    held.truncate(5);
    let mut served = None;
    for _ in 0..50 {
        if let Ok(response) = app.raw(Method::GET, "/healthz").send().await {
            served = Some(response.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(served.map(|s| s.as_u16()), Some(200), "served again once a connection closed");
}

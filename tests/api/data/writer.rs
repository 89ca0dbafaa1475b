//! A client that keeps creating keys through the API, remembering each one
//! acknowledged with 201, until it is stopped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::http_client::Client;

/// Most creates one writer sends, so that a stuck test still ends.
const MAX_CREATES: usize = 20_000;

pub struct Writer {
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    /// Starts creating keys named `w-N` in `project` (generated pairs: the
    /// server's work, not the test's).
    pub fn start(base: &str, token: &str, project: i64) -> Self {
        let (acked, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (url, auth) = (format!("{base}/cloud/v1/ssh_keys/{project}"), format!("APIKey {token}"));
        let (list, halt) = (acked.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let client = Client::with_timeout(Duration::from_secs(10));
            for i in 0..MAX_CREATES {
                if halt.load(Ordering::Relaxed) {
                    break;
                }
                let request = client.post(&url).header("Authorization", &auth).json(&json!({"name": format!("w-{i}")}));
                let response = request.send().await.expect("the server answers");
                let status = response.status().as_u16();
                let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
                assert_eq!(status, 201, "{body}");
                list.lock().unwrap().push(body["id"].as_str().unwrap().to_owned());
            }
        });
        Self { acked, stop, task }
    }

    /// The keys acknowledged so far.
    pub fn acked(&self) -> Vec<String> {
        self.acked.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until `n` creates have been acknowledged.
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..2000 {
            if self.acked.lock().unwrap().len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the writer did not get {n} creates acknowledged in 20 s");
    }

    /// Stops and returns every key acknowledged.
    pub async fn stop(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("the writer's creates all succeed");
        self.acked.lock().unwrap().clone()
    }
}

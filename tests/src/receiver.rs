//! A partner's webhook receiver for tests: records what arrives, fails while told to, and checks
//! NRP's signatures the way a partner would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Mutex, Notify};

/// A partner's webhook receiver: records what arrives, and fails while told to.
#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    pub fail_next: Arc<AtomicUsize>,
    pub arrived: Arc<Notify>,
}

impl Receiver {
    pub async fn start(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move {
                    if me.fail_next.load(Ordering::SeqCst) > 0 {
                        me.fail_next.fetch_sub(1, Ordering::SeqCst);
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    me.got.lock().await.push((headers, String::from_utf8_lossy(&body).to_string()));
                    me.arrived.notify_waiters();
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    /// Waits (on arrivals, not on a clock) until `pred` holds for what arrived.
    pub async fn until(&self, pred: impl Fn(&[(HeaderMap, String)]) -> bool) -> Vec<(HeaderMap, String)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            {
                let got = self.got.lock().await;
                if pred(&got) {
                    return got.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "webhooks did not arrive in time: {:?}",
                    self.got.lock().await.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>()
                );
            }
        }
    }
}

pub fn types(got: &[(HeaderMap, String)]) -> Vec<String> {
    got.iter().map(|(h, _)| h["x-nrp-event-type"].to_str().unwrap().to_string()).collect()
}

pub fn verify(secret: &str, headers: &HeaderMap, body: &str) -> bool {
    let ts = headers["x-nrp-timestamp"].to_str().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    headers["x-nrp-signature"] == expected.as_str()
}

/// A receiver that accepts TCP connections and never answers: the worst partner endpoint.
/// Counts the connections it was offered.
pub struct BlackHole {
    pub url: String,
    pub connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl BlackHole {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                held.push(socket); // never read, never answered, never closed
            }
        });
        BlackHole { url: format!("http://{addr}/hook"), connections, task }
    }

    pub fn port(&self) -> u16 {
        self.url.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap().parse().unwrap()
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A slow receiver (each request takes `delay`) that notes whether any event id was ever in
/// flight twice at once, and counts what it took.
#[derive(Clone, Default)]
pub struct SlowReceiver {
    pub in_flight: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    pub overlaps: Arc<std::sync::Mutex<Vec<String>>>,
    pub received: Arc<std::sync::Mutex<Vec<String>>>,
    pub arrived: Arc<Notify>,
}

impl SlowReceiver {
    pub async fn start(&self, delay: Duration) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap| {
                let me = me.clone();
                async move {
                    let id = headers["x-nrp-event-id"].to_str().unwrap().to_string();
                    if !me.in_flight.lock().unwrap().insert(id.clone()) {
                        me.overlaps.lock().unwrap().push(id.clone());
                    }
                    // The receiver's own work: slow on purpose, it is what the test is about.
                    tokio::time::sleep(delay).await;
                    me.in_flight.lock().unwrap().remove(&id);
                    me.received.lock().unwrap().push(id);
                    me.arrived.notify_waiters();
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    /// Waits (on arrivals) until `n` requests were taken.
    pub async fn until(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let notified = self.arrived.notified();
            if self.received.lock().unwrap().len() >= n {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("only {} of {n} webhooks arrived", self.received.lock().unwrap().len());
            }
        }
    }
}

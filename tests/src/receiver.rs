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

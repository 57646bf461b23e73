//! Lead committed → Web Push request received by the push service: a local push service (an
//! HTTP endpoint per device) records when each push arrives; every offered contractor has three
//! devices, so each lead should bring nine pushes (three offers × three devices).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use crate::client::Api;

/// A push service on a local port: every POST to `/push/{device}` is answered 201 and reported.
pub async fn push_service() -> anyhow::Result<(String, mpsc::UnboundedReceiver<chrono::DateTime<chrono::Utc>>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let tx = Arc::new(tx);
    let app = axum::Router::new().route(
        "/push/{device}",
        axum::routing::post(move || {
            let tx = Arc::clone(&tx);
            async move {
                let _ = tx.send(chrono::Utc::now());
                axum::http::StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://localhost:{port}"), rx))
}

/// Registers three devices for each contractor (any valid P-256 point will do as their key: the
/// cost of encrypting is the same).
pub async fn register_devices(api: &Api, tokens: &[(String, String)], base: &str, key: &str) -> anyhow::Result<()> {
    for (i, (_, token)) in tokens.iter().enumerate() {
        for d in 0..3 {
            let input = json!({"endpoint": format!("{base}/push/c{i}-d{d}"), "p256dh": key, "auth": "AAAAAAAAAAAAAAAAAAAAAA", "label": format!("device {d}")});
            api.data(
                Some(token),
                "mutation($i:PushSubscriptionInput!){ registerPushSubscription(input:$i){ id } }",
                json!({"i": input}),
            )
            .await?;
        }
    }
    Ok(())
}

/// Creates `leads` leads one after another through `api`; for each, the time from its commit
/// (`createdAt`) to each of its pushes arriving. Returns the samples (ms) and how many pushes
/// came short of nine per lead.
pub async fn push_latency(
    api: &Api,
    key: &str,
    leads: usize,
    rx: &mut mpsc::UnboundedReceiver<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<(Vec<f64>, usize)> {
    while rx.try_recv().is_ok() {}
    let mut samples = Vec::new();
    let mut missing = 0;
    for _ in 0..leads {
        let (_, at) = api.create_lead(key).await?;
        let mut got = 0;
        while got < 9 {
            match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
                Ok(Some(when)) => {
                    samples.push((when - at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
                    got += 1;
                }
                _ => break,
            }
        }
        missing += 9 - got;
    }
    Ok((samples, missing))
}

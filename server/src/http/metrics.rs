//! Prometheus metrics: GraphQL requests and latency by operation name, errors by code.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use async_graphql::Response;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

use super::graphql::HttpState;

/// At most this many distinct operation names get their own label; the rest count as `other`,
/// so a client sending random names cannot blow up the metric set.
const MAX_OPERATION_LABELS: usize = 200;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    known_operations: Mutex<HashSet<String>>,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("nrp_graphql_requests_total", "GraphQL operations executed, by operation name"),
            &["operation"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("nrp_graphql_request_duration_seconds", "GraphQL operation latency, by operation name")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["operation"],
        )?;
        let errors =
            IntCounterVec::new(Opts::new("nrp_graphql_errors_total", "GraphQL errors returned, by code"), &["code"])?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        Ok(Metrics { registry, requests, latency, errors, known_operations: Mutex::new(HashSet::new()) })
    }

    fn label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation else { return "anonymous".into() };
        let valid = !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return "other".into();
        }
        let Ok(mut known) = self.known_operations.lock() else { return "other".into() };
        if known.contains(name) || known.len() < MAX_OPERATION_LABELS {
            known.insert(name.to_string());
            name.to_string()
        } else {
            "other".into()
        }
    }

    /// Records one executed operation.
    pub fn observe(&self, operation: Option<&str>, elapsed: Duration, resp: &Response) {
        let label = self.label(operation);
        self.requests.with_label_values(&[&label]).inc();
        self.latency.with_label_values(&[&label]).observe(elapsed.as_secs_f64());
        for e in &resp.errors {
            let code = e
                .extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .and_then(|v| if let async_graphql::Value::String(s) = v { Some(s.clone()) } else { None })
                .unwrap_or_else(|| "INTERNAL".into());
            self.error(&code);
        }
    }

    pub fn error(&self, code: &str) {
        self.errors.with_label_values(&[code]).inc();
    }

    fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// `GET /metrics` on the main address: only with `Authorization: Bearer <METRICS_TOKEN>`
/// (compared in constant time). Without a token configured it is not served here at all (a
/// separate `METRICS_BIND_ADDR` serves it to the monitoring network instead).
pub async fn metrics(State(state): State<HttpState>, headers: axum::http::HeaderMap) -> axum::response::Response {
    use axum::http::StatusCode;
    use secrecy::ExposeSecret;
    let Some(token) = state.ctx.config.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::auth::constant_time_eq(presented.as_bytes(), token.expose_secret().as_bytes()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    open_metrics(State(state)).await.into_response()
}

/// `GET /metrics` on `METRICS_BIND_ADDR`, a listener only the monitoring network reaches.
pub async fn open_metrics(State(state): State<HttpState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

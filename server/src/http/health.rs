use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use super::graphql::HttpState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database and (when configured) Redis answer; 503 names what does not.
pub async fn readyz(State(state): State<HttpState>) -> impl IntoResponse {
    let limit = Duration::from_secs(2);
    let database = match tokio::time::timeout(limit, state.ctx.db.ping()).await {
        Ok(Ok(())) => "ok",
        _ => "unavailable",
    };
    let redis = match &state.ctx.redis {
        None => "not configured",
        Some(conn) => {
            let mut conn = conn.clone();
            match tokio::time::timeout(limit, redis::cmd("PING").query_async::<String>(&mut conn)).await {
                Ok(Ok(_)) => "ok",
                _ => "unavailable",
            }
        }
    };
    let failing: Vec<&str> = [("database", database), ("redis", redis)]
        .iter()
        .filter(|(_, s)| *s == "unavailable")
        .map(|(n, _)| *n)
        .collect();
    let status = if failing.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if failing.is_empty() { "ready" } else { "unavailable" },
        "failing": failing,
        "database": database,
        "redis": redis,
    });
    (status, Json(body))
}

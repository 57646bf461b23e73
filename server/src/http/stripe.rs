//! `POST /webhooks/stripe`: Stripe's events. The `Stripe-Signature` header must verify against
//! `STRIPE_WEBHOOK_SECRET` within five minutes; then the event is applied once (by its id).
//! A 2xx tells Stripe to stop; a 5xx makes it deliver again later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::json;

use super::graphql::HttpState;
use crate::error::ServiceError;
use crate::payments::signature;
use crate::services;

pub async fn webhook(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state.ctx.config.stripe_webhook_secret.as_ref() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "error": "Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET)" })),
        )
            .into_response();
    };
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = signature::verify(header, &body, secret.expose_secret(), now) {
        tracing::warn!(error = %e, "refused a Stripe webhook");
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e.to_string() }))).into_response();
    }
    match services::stripe::apply_event(&state.ctx, &body).await {
        Ok(a) => {
            (StatusCode::OK, axum::Json(json!({ "received": true, "duplicate": a.duplicate, "outcome": a.outcome })))
                .into_response()
        }
        Err(e @ ServiceError::Validation { .. }) => {
            (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e.to_string() }))).into_response()
        }
        Err(e) => {
            tracing::error!(error = ?e, "applying a Stripe event failed");
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "error": "internal error; deliver again later" })))
                .into_response()
        }
    }
}

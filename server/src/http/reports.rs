//! `GET /reports/payouts.csv?from=&to=&status=`: the payout ledger for a period as CSV (admins:
//! everyone's; contractors: their own statement). Amounts print to the cent.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::graphql::HttpState;
use super::request::request_meta;
use crate::error::ServiceError;
use crate::services;
use crate::store::payouts::PayoutFilter;

pub async fn payouts_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let when = |k: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
        match q.get(k) {
            None => Ok(None),
            Some(v) => chrono::DateTime::parse_from_rfc3339(v)
                .map(|d| Some(d.with_timezone(&chrono::Utc)))
                .or_else(|_| {
                    // A date is a day on NRP's clock, not in UTC.
                    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map(|d| Some(crate::domain::zones::start_of_day(d, state.ctx.config.report_zone)))
                })
                .map_err(|_| format!("{k} must be a date (2026-11-01) or an RFC 3339 time")),
        }
    };
    let status = match q
        .get("status")
        .map(|s| serde_json::from_value::<entities::PayoutStatus>(serde_json::Value::String(s.clone())))
    {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => return (StatusCode::BAD_REQUEST, "status must be a PayoutStatus, e.g. PAID").into_response(),
    };
    let (from, to) = match (when("from"), when("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    match services::payouts::report_csv(&state.ctx, &meta, PayoutFilter { status, from, to, contractor_id: None }).await
    {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"payouts.csv\""),
            ],
            csv,
        )
            .into_response(),
        Err(ServiceError::Unauthenticated(m)) => (StatusCode::UNAUTHORIZED, m).into_response(),
        Err(ServiceError::Forbidden(m)) => (StatusCode::FORBIDDEN, m).into_response(),
        Err(ServiceError::Validation { message, .. }) => (StatusCode::BAD_REQUEST, message).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "payout report failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

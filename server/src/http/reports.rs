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
    // As `payouts(from, to)`: `to` is the instant the period ends, after it starts.
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        return (StatusCode::BAD_REQUEST, "the period must end after it starts").into_response();
    }
    let report =
        services::payouts::report_csv(&state.ctx, &meta, PayoutFilter { status, from, to, contractor_id: None });
    csv_response(report.await, "payouts.csv")
}

/// A CSV answer, or the refusal said plainly with its status.
fn csv_response(result: Result<String, ServiceError>, filename: &'static str) -> Response {
    match result {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            ],
            csv,
        )
            .into_response(),
        Err(ServiceError::Unauthenticated(m)) => (StatusCode::UNAUTHORIZED, m).into_response(),
        Err(ServiceError::Forbidden(m)) => (StatusCode::FORBIDDEN, m).into_response(),
        Err(ServiceError::Validation { message, .. }) => (StatusCode::BAD_REQUEST, message).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, report = filename, "report failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /reports/leads.csv?status=&statusIn=&damageType=&postcode=&from=&to=&sort=`: the leads
/// list as shown (same filters, order and scope: admins all, partners their own), at most 10,000 rows.
/// Days are `YYYY-MM-DD` on NRP's clock, `to` inclusive; `sort` is `NEWEST`, `OLDEST` or `VALUE`.
pub async fn leads_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    use crate::store::leads::LeadOrder;
    let parsed = (|| {
        let order =
            sort(&q, &[("NEWEST", LeadOrder::Newest), ("OLDEST", LeadOrder::Oldest), ("VALUE", LeadOrder::Value)])?;
        let (status, damage) = (wire_value(&q, "status")?, wire_value(&q, "damageType")?);
        let (from, to) = (day(&q, "from")?, day(&q, "to")?);
        let postcode = given(&q, "postcode");
        let mut filter = services::leads::filter(state.ctx.config.report_zone, status, damage, postcode, from, to)
            .map_err(|e| e.to_string())?;
        filter.status_in = wire_values(&q, "statusIn")?;
        Ok((filter, order))
    })();
    csv_of(parsed, "leads.csv", |(f, order)| services::leads::list_csv(&state.ctx, &meta, f, order)).await
}

/// `GET /reports/jobs.csv?status=&open=true&contractorId=&from=&to=&sort=`: the jobs list as shown (same
/// filters, order and scope: admins all, partners their leads' jobs, contractors their own), at
/// most 10,000 rows. Days are `YYYY-MM-DD` on NRP's clock, `to` inclusive; `sort` is `NEWEST` or
/// `OLDEST`.
pub async fn jobs_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    use crate::store::jobs::JobOrder;
    let parsed = (|| {
        let order = sort(&q, &[("NEWEST", JobOrder::Newest), ("OLDEST", JobOrder::Oldest)])?;
        let status = wire_value(&q, "status")?;
        let contractor = given(&q, "contractorId")
            .map(uuid::Uuid::parse_str)
            .transpose()
            .map_err(|_| "contractorId is not an id".to_string())?;
        let (from, to) = (day(&q, "from")?, day(&q, "to")?);
        let open = flag(&q, "open")?;
        let mut filter = services::jobs::filter(state.ctx.config.report_zone, status, contractor, from, to, "to")
            .map_err(|e| e.to_string())?;
        filter.open_only = open;
        Ok((filter, order))
    })();
    csv_of(parsed, "jobs.csv", |(f, order)| services::jobs::list_csv(&state.ctx, &meta, f, order)).await
}

/// `GET /reports/claims.csv?status=&overdue=true&from=&to=&sort=`: the claims list as shown
/// (same filters, order and scope: admins all, insurers and partners their own, contractors those
/// of their jobs), at most 10,000 rows. Days of lodgement are `YYYY-MM-DD` on NRP's clock, `to`
/// inclusive; `sort` is `NEWEST` or `DECISION_DUE`.
pub async fn claims_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    use crate::store::claims::ClaimOrder;
    let parsed = (|| {
        let order = sort(&q, &[("NEWEST", ClaimOrder::Newest), ("DECISION_DUE", ClaimOrder::DecisionDue)])?;
        let status = wire_value(&q, "status")?;
        let overdue = flag(&q, "overdue")?;
        let (from, to) = (day(&q, "from")?, day(&q, "to")?);
        let filter = services::claims::filter(state.ctx.config.report_zone, status, overdue, from, to, "to");
        Ok((filter.map_err(|e| e.to_string())?, order))
    })();
    csv_of(parsed, "claims.csv", |(f, order)| services::claims::list_csv(&state.ctx, &meta, f, order)).await
}

/// `GET /reports/contractors.csv?status=&specialty=&postcode=&search=&from=&to=&sort=`: the
/// contractors list as shown (admins), in its order, at most 10,000 rows. `from` and `to` are the
/// days they joined, `YYYY-MM-DD` on NRP's clock, `to` inclusive.
pub async fn contractors_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let parsed = (|| {
        use crate::store::contractors::ContractorOrder as O;
        let (status, specialty) = (wire_value(&q, "status")?, wire_value(&q, "specialty")?);
        let order =
            sort(&q, &[("NEWEST", O::Newest), ("NAME", O::Name), ("SCORE", O::Score), ("ACTIVE_JOBS", O::Load)])?;
        let joined = (state.ctx.config.report_zone, day(&q, "from")?, day(&q, "to")?, "to");
        let filter =
            services::contractors::filter(status, specialty, given(&q, "postcode"), given(&q, "search"), joined)
                .map_err(|e| e.to_string())?;
        Ok((filter, order))
    })();
    csv_of(parsed, "contractors.csv", |(f, order)| async move {
        services::contractors::list_csv(&state.ctx, &meta, &f, order).await
    })
    .await
}

/// `GET /reports/audit.csv?action=&entityType=&entityId=&from=&to=&sort=`: the audit log as
/// shown (admins), in its order, at most 10,000 rows. Days are `YYYY-MM-DD` on NRP's clock, `to`
/// inclusive.
pub async fn audit_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let parsed = (|| {
        let entity_id = given(&q, "entityId")
            .map(uuid::Uuid::parse_str)
            .transpose()
            .map_err(|_| "entityId is not an id".to_string())?;
        let (from, to) = (day(&q, "from")?, day(&q, "to")?);
        let base = crate::store::audit::AuditFilter {
            entity_type: given(&q, "entityType").map(String::from),
            entity_id,
            action: given(&q, "action").map(String::from),
            ..Default::default()
        };
        let oldest_first = sort(&q, &[("NEWEST", false), ("OLDEST", true)])?;
        let filter = services::audit::with_days(state.ctx.config.report_zone, base, from, to, "to")
            .map_err(|e| e.to_string())?;
        Ok((filter, oldest_first))
    })();
    csv_of(parsed, "audit.csv", |(f, oldest_first)| async move {
        services::audit::list_csv(&state.ctx, &meta, &f, oldest_first).await
    })
    .await
}

/// `GET /reports/notifications.csv?status=&channel=&recipient=&from=&to=`: the notification log
/// as shown (admins), newest first, at most 10,000 rows. Days are `YYYY-MM-DD` on NRP's clock,
/// `to` inclusive.
pub async fn notifications_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let parsed = (|| {
        let (from, to) = (day(&q, "from")?, day(&q, "to")?);
        let (created_from, created_to) =
            crate::domain::zones::day_range(state.ctx.config.report_zone, from, to, "to").map_err(|e| e.message)?;
        Ok(services::notifications::NotificationFilter {
            channel: wire_value(&q, "channel")?,
            status: wire_value(&q, "status")?,
            destination: given(&q, "recipient").map(String::from),
            created_from,
            created_to,
            ..Default::default()
        })
    })();
    csv_of(
        parsed,
        "notifications.csv",
        |f| async move { services::notifications::list_csv(&state.ctx, &meta, f).await },
    )
    .await
}

/// `GET /reports/users.csv?search=&role=&status=&from=&to=`: the logins list as shown (admins
/// every login; a company's owner its own people), newest first, at most 10,000 rows, without
/// any secret. `from` and `to` are the days added, `YYYY-MM-DD` on NRP's clock, `to` inclusive.
pub async fn users_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let parsed = (|| {
        let added = (state.ctx.config.report_zone, day(&q, "from")?, day(&q, "to")?, "to");
        services::users::filter(given(&q, "search"), wire_value(&q, "role")?, wire_value(&q, "status")?, added)
            .map_err(|e| e.to_string())
    })();
    csv_of(parsed, "users.csv", |f| services::users::list_csv(&state.ctx, &meta, f)).await
}

/// `GET /reports/deliveries.csv?partnerId=&status=&from=&to=`: a partner's webhook delivery log
/// as shown (admins name the partner; a partner gets its own), newest first, at most 10,000 rows,
/// without the signed bodies. Days are `YYYY-MM-DD` on NRP's clock, `to` inclusive.
pub async fn deliveries_csv(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let parsed = (|| {
        let partner = given(&q, "partnerId")
            .map(uuid::Uuid::parse_str)
            .transpose()
            .map_err(|_| "partnerId is not an id".to_string())?;
        let (from, to) = (day(&q, "from")?, day(&q, "to")?);
        let (created_from, created_to) =
            crate::domain::zones::day_range(state.ctx.config.report_zone, from, to, "to").map_err(|e| e.message)?;
        let filter = services::webhooks::DeliveryFilter { status: wire_value(&q, "status")?, created_from, created_to };
        Ok((partner, filter))
    })();
    csv_of(parsed, "deliveries.csv", |(partner, f)| async move {
        let partner = match partner {
            Some(p) => p,
            None => crate::graphql::ids::partner_or_self(&meta.principal, None, "partnerId")?,
        };
        services::webhooks::deliveries_csv(&state.ctx, &meta, partner, &f).await
    })
    .await
}

/// The CSV `run` writes for the filter parsed from the query, or the parse's refusal (400).
async fn csv_of<F, Fut>(parsed: Result<F, String>, filename: &'static str, run: impl FnOnce(F) -> Fut) -> Response
where
    Fut: std::future::Future<Output = Result<String, ServiceError>>,
{
    match parsed {
        Ok(f) => csv_response(run(f).await, filename),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

/// The `sort` parameter as one of `orders` (by wire name), the first when not given.
fn sort<T: Copy>(q: &HashMap<String, String>, orders: &[(&str, T)]) -> Result<T, String> {
    let Some(given) = given(q, "sort") else { return Ok(orders[0].1) };
    orders.iter().find(|(name, _)| *name == given).map(|(_, o)| *o).ok_or_else(|| {
        let names: Vec<&str> = orders.iter().map(|(n, _)| *n).collect();
        format!("sort must be one of {}", names.join(", "))
    })
}

/// A query parameter that was given and is not empty.
fn given<'a>(q: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    q.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// An enum value as the API spells it (`AWAITING_CONTACT`), or the refusal naming `k`.
fn wire<T: serde::de::DeserializeOwned>(k: &str, v: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(v.into()))
        .map_err(|_| format!("{k} is not one of its values: {v}"))
}

/// An enum parameter as the API spells it (`AWAITING_CONTACT`), if given.
fn wire_value<T: serde::de::DeserializeOwned>(q: &HashMap<String, String>, k: &str) -> Result<Option<T>, String> {
    given(q, k).map(|v| wire(k, v)).transpose()
}

/// A list of enum values, comma-separated (`statusIn=NEW,OFFERING`); empty when not given.
fn wire_values<T: serde::de::DeserializeOwned>(q: &HashMap<String, String>, k: &str) -> Result<Vec<T>, String> {
    given(q, k).map_or(Ok(Vec::new()), |list| list.split(',').map(|v| wire(k, v.trim())).collect())
}

/// A yes/no parameter (`true` or `false`), false when not given.
fn flag(q: &HashMap<String, String>, k: &str) -> Result<bool, String> {
    match given(q, k) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(format!("{k} must be true or false")),
    }
}

/// A day parameter (`2026-11-01`), if given.
fn day(q: &HashMap<String, String>, k: &str) -> Result<Option<chrono::NaiveDate>, String> {
    given(q, k)
        .map(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d"))
        .transpose()
        .map_err(|_| format!("{k} must be a date such as 2026-11-01"))
}

//! `POST /graphql` as the GraphQL-over-HTTP specification has it (checked by graphql-http's audit
//! suite in the tests):
//! - the body is `application/json` (or `multipart/form-data` for uploads); anything else is 415;
//! - the response is `application/graphql-response+json` when the client accepts it, otherwise
//!   `application/json`;
//! - a request that fails before execution (unreadable JSON, a parse or validation error, a
//!   limit) has no `data` entry, and is a 400 under `application/graphql-response+json` (200
//!   under `application/json`, as the spec requires for legacy clients); unreadable JSON is 400
//!   either way;
//! - every operation counts against the caller's rate budgets (`X-RateLimit-*` headers; 429 with
//!   `Retry-After` when spent).
//!
//! `GET /graphql` serves GraphiQL to a browser outside production and is otherwise 405: no
//! operation runs over GET.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::{BatchRequest, BatchResponse, Request, Response, ServerError};
use async_graphql_axum::{GraphQLBatchRequest, rejection::GraphQLRejection};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use serde_json::{Value, json};

use super::metrics::Metrics;
use super::request::request_meta;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::graphql::{AppSchema, IntoGql, finalize_errors, request_loaders};

/// State of the HTTP routes.
#[derive(Clone)]
pub struct HttpState {
    pub ctx: Arc<AppContext>,
    pub schema: AppSchema,
    pub metrics: Arc<Metrics>,
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Whether the client accepts `application/graphql-response+json` (and not with `q=0`).
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let kind = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.replace(' ', "").eq_ignore_ascii_case("q=0"));
        kind.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON) && !refused
    })
}

fn readable_body(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let kind = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    kind == "application/json" || kind == "multipart/form-data"
}

/// A JSON body with the negotiated media type.
fn reply(status: StatusCode, graphql_response: bool, body: &Value) -> axum::response::Response {
    let ct = if graphql_response {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    (status, [(header::CONTENT_TYPE, ct)], body.to_string()).into_response()
}

fn error_body(message: &str, code: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

/// `POST /graphql`: single or batched operations (the batch size is capped).
pub async fn graphql(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: Result<GraphQLBatchRequest, GraphQLRejection>,
) -> axum::response::Response {
    let gql_json = wants_graphql_response(&headers);
    if !readable_body(&headers) {
        state.metrics.error("BAD_USER_INPUT");
        let body =
            error_body("send the request as application/json (or multipart/form-data for uploads)", "BAD_USER_INPUT");
        return reply(StatusCode::UNSUPPORTED_MEDIA_TYPE, gql_json, &body);
    }
    let batch = match req {
        Ok(r) => r.into_inner(),
        Err(rejection) => {
            state.metrics.error("BAD_USER_INPUT");
            let (status, message) = match rejection.0 {
                async_graphql::ParseRequestError::PayloadTooLarge => {
                    (StatusCode::PAYLOAD_TOO_LARGE, "the request body is too large".to_string())
                }
                other => (StatusCode::BAD_REQUEST, format!("the request is not a GraphQL request: {other}")),
            };
            return reply(status, gql_json, &error_body(&message, "BAD_USER_INPUT"));
        }
    };
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    let operations = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(list) => u32::try_from(list.len()).unwrap_or(u32::MAX).max(1),
    };
    let quota = match crate::access::limits::charge(&state.ctx, &meta, operations).await {
        Ok(q) => q,
        Err(e) => return refused(&state, gql_json, e),
    };
    let (status, body) = match execute_batch(&state, &meta, batch).await {
        BatchResponse::Single(resp) => {
            let before_execution = failed_before_execution(&resp);
            let status = if before_execution && gql_json { StatusCode::BAD_REQUEST } else { StatusCode::OK };
            (status, response_json(&resp, before_execution))
        }
        BatchResponse::Batch(list) => {
            (StatusCode::OK, Value::Array(list.iter().map(|r| response_json(r, failed_before_execution(r))).collect()))
        }
    };
    let mut http = reply(status, gql_json, &body);
    let h = http.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", quota.limit.to_string()),
        ("x-ratelimit-remaining", quota.remaining.to_string()),
        ("x-ratelimit-reset", quota.reset_secs.to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    http
}

/// A request error (syntax, validation, a limit, variables) stops a request before any field
/// runs: no data, and no error has a path. Field errors always have one.
fn failed_before_execution(resp: &Response) -> bool {
    !resp.errors.is_empty() && resp.data == async_graphql::Value::Null && resp.errors.iter().all(|e| e.path.is_empty())
}

/// The response as JSON; without `data` when execution never started (the spec's rule).
fn response_json(resp: &Response, before_execution: bool) -> Value {
    let mut v = serde_json::to_value(resp).unwrap_or_else(|_| error_body("internal error", "INTERNAL"));
    if before_execution && let Value::Object(map) = &mut v {
        map.remove("data");
    }
    v
}

/// A request refused before running: 429 for a spent budget (with `Retry-After`).
fn refused(state: &HttpState, gql_json: bool, e: crate::error::ServiceError) -> axum::response::Response {
    let retry = match &e {
        crate::error::ServiceError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
        _ => None,
    };
    let err = match Err::<(), _>(e).gql() {
        Err(err) => err.into_server_error(async_graphql::Pos::default()),
        Ok(()) => ServerError::new("refused", None),
    };
    state.metrics.error(if retry.is_some() { "RATE_LIMITED" } else { "FORBIDDEN" });
    let body = response_json(&Response::from_errors(vec![err]), true);
    let status = if retry.is_some() { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::FORBIDDEN };
    let mut http = reply(status, gql_json, &body);
    if let Some(secs) = retry
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        http.headers_mut().insert(header::RETRY_AFTER, v);
    }
    http
}

async fn execute_batch(state: &HttpState, meta: &RequestMeta, batch: BatchRequest) -> BatchResponse {
    match batch {
        BatchRequest::Single(r) => BatchResponse::Single(execute(state, meta, r).await),
        BatchRequest::Batch(list) if list.len() > state.ctx.config.graphql_max_batch => {
            let max = state.ctx.config.graphql_max_batch;
            let mut err = ServerError::new(format!("a batch may hold at most {max} operations"), None);
            err.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
            state.metrics.error("BAD_USER_INPUT");
            BatchResponse::Single(Response::from_errors(vec![err]))
        }
        BatchRequest::Batch(list) => {
            let futures = list.into_iter().map(|r| execute(state, meta, r));
            BatchResponse::Batch(futures_util::future::join_all(futures).await)
        }
    }
}

async fn execute(state: &HttpState, meta: &RequestMeta, req: Request) -> Response {
    let operation = req.operation_name.clone();
    let started = Instant::now();
    let req = req.data(meta.clone()).data(request_loaders(&state.ctx.db));
    let mut resp = state.schema.execute(req).await;
    finalize_errors(&mut resp);
    state.metrics.observe(operation.as_deref(), started.elapsed(), &resp);
    resp
}

/// `GET /graphql`: the GraphiQL explorer for a browser outside production; otherwise 405 (no
/// operation runs over GET).
pub async fn get_graphql(State(state): State<HttpState>, headers: HeaderMap) -> axum::response::Response {
    let browser = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if browser && !state.ctx.config.is_production() {
        // GraphiQL (development only) loads its scripts and styles from a CDN, inline.
        let policy =
            "frame-ancestors 'none'; object-src 'none'; script-src 'self' 'unsafe-inline' https:; connect-src 'self'";
        let page = async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish();
        return ([(header::CONTENT_SECURITY_POLICY, policy)], Html(page)).into_response();
    }
    (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")], "send GraphQL requests with POST").into_response()
}

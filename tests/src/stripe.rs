//! A local fake of the parts of the Stripe API that NRP calls, for the real async-stripe client:
//! Express accounts, account links, transfers (with idempotency keys, like Stripe: the same key
//! and parameters replay the first answer; the same key with other parameters is refused),
//! listing transfers by group, and reversals. It records every request, and a test can script the
//! next transfers to be refused or to "lose" their answer (made, then answered too late).
//! It also signs webhook events the way Stripe does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub const SECRET_KEY: &str = "sk_test_nrp_fake_0123456789";
pub const WEBHOOK_SECRET: &str = "whsec_nrp_fake_0123456789";

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub idempotency_key: Option<String>,
    pub form: HashMap<String, String>,
}

/// What the next transfer request meets.
#[derive(Debug, Clone)]
pub enum Script {
    /// Refused with this HTTP status and Stripe error code; nothing is transferred.
    Refuse { status: u16, code: &'static str, message: &'static str },
    /// The transfer is made, but the answer comes after this delay (past the client's timeout).
    LoseAnswer(Duration),
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    transfers: Vec<Value>,
    accounts: Vec<Value>,
    reversals: Vec<Value>,
    /// key → (the request's parameters, status, body)
    idempotent: HashMap<String, (String, u16, Value)>,
    script: Vec<Script>,
    next: u64,
}

type Shared = Arc<Mutex<Inner>>;
/// A request's form fields.
type Form = HashMap<String, String>;
/// An HTTP status and JSON body.
type Answer = (u16, Value);

/// The running fake.
pub struct FakeStripe {
    pub base: String,
    inner: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let inner: Shared = Arc::default();
        let app = Router::new()
            .route("/v1/accounts", post(create_account))
            .route("/v1/account_links", post(create_account_link))
            .route("/v1/transfers", post(create_transfer).get(list_transfers))
            .route("/v1/transfers/{id}/reversals", post(create_reversal))
            .fallback(unknown)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake Stripe");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeStripe { base: format!("http://{addr}/"), inner, task }
    }

    /// The environment that points a server at this fake.
    pub fn env(&self) -> [(&'static str, String); 4] {
        [
            ("STRIPE_SECRET_KEY", SECRET_KEY.to_string()),
            ("STRIPE_API_BASE", self.base.clone()),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
            ("STRIPE_TIMEOUT_MILLIS", "1500".to_string()),
        ]
    }

    /// Scripts what the next transfer requests meet, in order.
    pub fn script(&self, s: Script) {
        self.lock().script.push(s);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Transfers actually made (each one moved money once).
    pub fn transfers(&self) -> Vec<Value> {
        self.lock().transfers.clone()
    }

    pub fn reversals(&self) -> Vec<Value> {
        self.lock().reversals.clone()
    }

    pub fn transfer(&self, id: &str) -> Option<Value> {
        self.lock().transfers.iter().find(|t| t["id"] == id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A Stripe event envelope around `object`.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id, "object": "event", "type": kind, "created": created, "api_version": "2025-08-27.basil",
        "livemode": false, "pending_webhooks": 1, "data": { "object": object }
    })
}

/// The `Stripe-Signature` header Stripe would send.
pub fn signature(body: &str, secret: &str, t: i64) -> String {
    nrp_server::payments::signature::sign(body.as_bytes(), secret, t)
}

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn stripe_error(status: u16, kind: &str, code: &str, message: &str) -> (u16, Value) {
    (status, json!({ "error": { "type": kind, "code": code, "message": message } }))
}

fn respond((status, body): (u16, Value)) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

/// Records the request; checks the secret key; returns the form and idempotency key.
fn record(
    s: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Form, Option<String>), Answer> {
    let form: HashMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(String::from);
    lock(s).requests.push(Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(String::from),
        idempotency_key: key.clone(),
        form: form.clone(),
    });
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if auth != format!("Bearer {SECRET_KEY}") {
        return Err(stripe_error(401, "invalid_request_error", "api_key_invalid", "Invalid API Key provided"));
    }
    Ok((form, key))
}

/// Stripe's idempotency: replays the first answer to a key, refuses a key reused differently.
fn replay(s: &Shared, key: &Option<String>, form: &HashMap<String, String>) -> Option<(u16, Value)> {
    let key = key.as_ref()?;
    let mut params: Vec<_> = form.iter().collect();
    params.sort();
    let fingerprint = format!("{params:?}");
    let g = lock(s);
    let (seen, status, body) = g.idempotent.get(key)?;
    if *seen != fingerprint {
        return Some(stripe_error(
            400,
            "idempotency_error",
            "idempotency_key_in_use",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        ));
    }
    Some((*status, body.clone()))
}

fn remember(s: &Shared, key: &Option<String>, form: &HashMap<String, String>, answer: &(u16, Value)) {
    if let Some(key) = key {
        let mut params: Vec<_> = form.iter().collect();
        params.sort();
        let fingerprint = format!("{params:?}");
        lock(s).idempotent.insert(key.clone(), (fingerprint, answer.0, answer.1.clone()));
    }
}

fn metadata(form: &HashMap<String, String>) -> Value {
    let m: serde_json::Map<String, Value> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("metadata[").and_then(|k| k.strip_suffix(']')).map(|k| (k.to_string(), json!(v)))
        })
        .collect();
    Value::Object(m)
}

async fn create_account(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, key) = match record(&s, &method, &uri, &headers, &body) {
        Ok(x) => x,
        Err(e) => return respond(e),
    };
    if let Some(answer) = replay(&s, &key, &form) {
        return respond(answer);
    }
    let answer = {
        let mut g = lock(&s);
        g.next += 1;
        let account = json!({
            "id": format!("acct_fake{:06}", g.next), "object": "account", "type": form.get("type"),
            "country": form.get("country"), "email": form.get("email"), "created": now(),
            "charges_enabled": false, "payouts_enabled": false, "details_submitted": false,
            "metadata": metadata(&form),
            "business_profile": { "name": form.get("business_profile[name]") },
            "requirements": { "currently_due": ["external_account", "tos_acceptance.date"], "eventually_due": [],
                              "past_due": [], "pending_verification": [], "errors": [],
                              "current_deadline": null, "disabled_reason": "requirements.past_due", "alternatives": [] }
        });
        g.accounts.push(account.clone());
        (200, account)
    };
    remember(&s, &key, &form, &answer);
    respond(answer)
}

async fn create_account_link(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, _) = match record(&s, &method, &uri, &headers, &body) {
        Ok(x) => x,
        Err(e) => return respond(e),
    };
    let account = form.get("account").cloned().unwrap_or_default();
    if !lock(&s).accounts.iter().any(|a| a["id"] == account.as_str()) {
        return respond(stripe_error(400, "invalid_request_error", "resource_missing", "No such account"));
    }
    respond((
        200,
        json!({
            "object": "account_link", "created": now(), "expires_at": now() + 300,
            "url": format!("https://connect.stripe.com/setup/e/{account}/fake{}", now()),
        }),
    ))
}

async fn create_transfer(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, key) = match record(&s, &method, &uri, &headers, &body) {
        Ok(x) => x,
        Err(e) => return respond(e),
    };
    if let Some(answer) = replay(&s, &key, &form) {
        return respond(answer);
    }
    let script = {
        let mut g = lock(&s);
        if g.script.is_empty() { None } else { Some(g.script.remove(0)) }
    };
    if let Some(Script::Refuse { status, code, message }) = script {
        let answer = stripe_error(status, "invalid_request_error", code, message);
        remember(&s, &key, &form, &answer);
        return respond(answer);
    }
    let amount: i64 = form.get("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
    let destination = form.get("destination").cloned().unwrap_or_default();
    if amount <= 0 || !lock(&s).accounts.iter().any(|a| a["id"] == destination.as_str()) {
        let answer = stripe_error(400, "invalid_request_error", "resource_missing", "No such destination");
        remember(&s, &key, &form, &answer);
        return respond(answer);
    }
    let answer = {
        let mut g = lock(&s);
        g.next += 1;
        let id = format!("tr_fake{:06}", g.next);
        let transfer = json!({
            "id": id, "object": "transfer", "amount": amount, "amount_reversed": 0,
            "balance_transaction": format!("txn_fake{:06}", g.next), "created": now(), "currency": form.get("currency"),
            "description": form.get("description"), "destination": destination,
            "destination_payment": format!("py_fake{:06}", g.next), "livemode": false, "metadata": metadata(&form),
            "reversals": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/transfers/{id}/reversals") },
            "reversed": false, "source_transaction": null, "source_type": "card", "transfer_group": form.get("transfer_group"),
        });
        g.transfers.push(transfer.clone());
        (200, transfer)
    };
    remember(&s, &key, &form, &answer);
    if let Some(Script::LoseAnswer(delay)) = script {
        tokio::time::sleep(delay).await;
    }
    respond(answer)
}

async fn list_transfers(
    State(s): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    if let Err(e) = record(&s, &method, &uri, &headers, b"") {
        return respond(e);
    }
    let q: HashMap<String, String> = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let data: Vec<Value> = lock(&s)
        .transfers
        .iter()
        .filter(|t| q.get("transfer_group").is_none_or(|g| t["transfer_group"] == g.as_str()))
        .cloned()
        .collect();
    respond((200, json!({ "object": "list", "data": data, "has_more": false, "url": "/v1/transfers" })))
}

async fn create_reversal(
    State(s): State<Shared>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, key) = match record(&s, &method, &uri, &headers, &body) {
        Ok(x) => x,
        Err(e) => return respond(e),
    };
    if let Some(answer) = replay(&s, &key, &form) {
        return respond(answer);
    }
    let answer = {
        let mut g = lock(&s);
        g.next += 1;
        let n = g.next;
        match g.transfers.iter_mut().find(|t| t["id"] == id.as_str()) {
            None => stripe_error(404, "invalid_request_error", "resource_missing", "No such transfer"),
            Some(t) if t["reversed"] == true => {
                stripe_error(400, "invalid_request_error", "transfer_already_reversed", "already reversed")
            }
            Some(t) => {
                let amount = t["amount"].as_i64().unwrap_or(0);
                let reversal = json!({
                    "id": format!("trr_fake{n:06}"), "object": "transfer_reversal", "amount": amount,
                    "balance_transaction": null, "created": now(), "currency": "aud",
                    "destination_payment_refund": null, "metadata": {}, "source_refund": null, "transfer": id,
                });
                t["amount_reversed"] = json!(amount);
                t["reversed"] = json!(true);
                g.reversals.push(reversal.clone());
                (200, reversal)
            }
        }
    };
    remember(&s, &key, &form, &answer);
    respond(answer)
}

async fn unknown(State(s): State<Shared>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let _ = record(&s, &method, &uri, &headers, &body);
    respond(stripe_error(404, "invalid_request_error", "resource_missing", "Unrecognized request URL"))
}

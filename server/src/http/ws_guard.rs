//! What a WebSocket checks on every frame a client sends, so an operation over a socket is
//! held to the same rules as one over HTTP: the credentials' standing and the access token's
//! expiry (a refusal closes the socket), the caller's rate budget, and at most
//! `WS_MAX_SUBSCRIPTIONS` operations running at once (a refusal answers that operation with an
//! `error` message and leaves the socket open).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::ws::Message;
use futures_channel::mpsc::Sender;
use serde_json::{Value, json};

use crate::auth::{Principal, RequestMeta};
use crate::context::AppContext;
use crate::error::ServiceError;

/// What to do with a client frame.
pub enum Verdict {
    Pass,
    /// Answered here (an `error` message was sent); the frame goes no further.
    Answered,
    Close(u16),
}

pub struct Guard {
    pub ctx: Arc<AppContext>,
    pub meta: RequestMeta,
    /// The access token's `exp` (Unix seconds), for a user's socket.
    pub token_expires: Option<i64>,
    /// The legacy `graphql-ws` protocol (its `start`/`stop` and error payload shape).
    pub legacy: bool,
    pub out: Sender<Message>,
    running: Mutex<HashSet<String>>,
}

#[derive(serde::Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
}

impl Guard {
    pub fn new(
        ctx: Arc<AppContext>,
        meta: RequestMeta,
        token_expires: Option<i64>,
        legacy: bool,
        out: Sender<Message>,
    ) -> Self {
        Guard { ctx, meta, token_expires, legacy, out, running: Mutex::new(HashSet::new()) }
    }

    /// Checks one client frame.
    pub async fn admit(&self, text: &str) -> Verdict {
        let Ok(frame) = serde_json::from_str::<Frame>(text) else { return Verdict::Pass };
        let id = frame.id.as_deref().unwrap_or("").to_string();
        match frame.kind.as_ref() {
            "subscribe" | "start" => {}
            "complete" | "stop" => {
                self.finished(&id);
                return Verdict::Pass;
            }
            _ => return Verdict::Pass,
        }
        if self.token_expires.is_some_and(|exp| exp <= chrono::Utc::now().timestamp()) {
            return Verdict::Close(4401);
        }
        if let Some(code) = refusal(&self.ctx, &self.meta.principal).await {
            return Verdict::Close(code);
        }
        if let Err(e) = crate::access::limits::charge(&self.ctx, &self.meta, 1).await {
            return self.answer(&id, e).await;
        }
        let max = self.ctx.config.ws_max_subscriptions;
        let over = match self.running.lock() {
            Ok(mut running) if running.contains(&id) || running.len() < max => {
                running.insert(id.clone());
                false
            }
            _ => true,
        };
        if over {
            let e = ServiceError::validation(
                "subscribe",
                format!("at most {max} operations may run at once on one socket; complete one first"),
            );
            return self.answer(&id, e).await;
        }
        Verdict::Pass
    }

    /// Notes a frame the server sends: an operation it completed (or failed) no longer counts.
    pub fn sent(&self, text: &str) {
        // Only the short control frames matter; `next`/`data` frames are skipped unparsed.
        if text.len() > 512 || !(text.contains("\"complete\"") || text.contains("\"error\"")) {
            return;
        }
        if let Ok(frame) = serde_json::from_str::<Frame>(text)
            && matches!(frame.kind.as_ref(), "complete" | "error")
            && let Some(id) = frame.id
        {
            self.finished(&id);
        }
    }

    fn finished(&self, id: &str) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(id);
        }
    }

    /// Answers one operation with an `error` message carrying the coded error.
    async fn answer(&self, id: &str, e: ServiceError) -> Verdict {
        use futures_util::SinkExt;
        let mut extensions = json!({ "code": e.code() });
        match &e {
            ServiceError::RateLimited { retry_after_secs } => extensions["retryAfterSeconds"] = json!(retry_after_secs),
            ServiceError::Validation { field, .. } => extensions["field"] = json!(field),
            _ => {}
        }
        let error = json!({ "message": e.to_string(), "extensions": extensions });
        let payload: Value = if self.legacy { error } else { json!([error]) };
        let frame = json!({ "id": id, "type": "error", "payload": payload }).to_string();
        let mut out = self.out.clone();
        let _ = out.send(Message::Text(frame.into())).await;
        Verdict::Answered
    }
}

/// The close code for credentials that may not hold a live socket, or `None` when they may:
/// 4401 for none or bad ones, 4403 for ones that were revoked since (or, for a suspended
/// contractor, that have no live access).
pub async fn refusal(ctx: &AppContext, principal: &Principal) -> Option<u16> {
    if let Principal::Anonymous { .. } = principal {
        return Some(4401);
    }
    match crate::access::standing(ctx, principal).await {
        Ok(s) if s.live() => None,
        Ok(_) => Some(4403),
        Err(e) => {
            tracing::error!(error = %e, "checking a WebSocket's credentials");
            Some(4401)
        }
    }
}

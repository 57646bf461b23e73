//! `GET /graphql/ws`: GraphQL over WebSocket, `graphql-transport-ws` (and legacy `graphql-ws`).
//!
//! The first message must be `connection_init` within `WS_INIT_TIMEOUT_SECS` (else close 4408),
//! carrying `{"authorization": "Bearer …"}` (an `Authorization` header on the upgrade also works).
//! Missing or bad credentials close with 4401, a disabled account with 4403, anything other than
//! `connection_init` first with 4400. The server pings every `WS_PING_INTERVAL_SECS`.
//!
//! An open socket never outlives its credentials: it closes with 4401 when the user's access
//! token expires, and with 4403 on every instance as soon as the user is disabled, the partner
//! deactivated, the API key revoked or the contractor suspended (a revocation event on the bus).
//! Each operation started over the socket is authorised again first, as over HTTP.
//! Buffers are small on purpose: one socket per contractor adds up.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicU16, Ordering};
use tokio::sync::broadcast;

use super::graphql::HttpState;
use super::request::{client_ip, identity_from, request_id};
use super::ws_guard::{Guard, Verdict, refusal};
use crate::auth::{Principal, RequestMeta};
use crate::events::Control;
use crate::graphql::Sockets;

/// Client frames are a few hundred bytes (`connection_init` with a JWT is the largest); bigger
/// ones just take more reads. tungstenite allocates and fills this buffer per socket.
const READ_BUFFER: usize = 256;
/// Write each frame out at once rather than batching in a per-socket buffer.
const WRITE_BUFFER: usize = 0;
const MAX_MESSAGE: usize = 64 * 1024;

pub async fn upgrade(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    ws: WebSocketUpgrade,
) -> impl IntoResponse {
    let legacy = legacy_protocol(&headers);
    let header_auth = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(String::from);
    let rid = request_id(&headers);
    let ip = client_ip(&state.ctx, &headers, Some(peer));
    ws.protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(state, socket, protocol, legacy, header_auth, rid, ip))
}

/// Whether the client chose the legacy `graphql-ws` protocol: the first protocol it offers
/// that the server speaks, as async-graphql negotiates it.
fn legacy_protocol(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|p| *p == "graphql-ws" || *p == "graphql-transport-ws")
        .is_some_and(|p| p == "graphql-ws")
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

async fn serve(
    state: HttpState,
    mut socket: WebSocket,
    protocol: GraphQLProtocol,
    legacy: bool,
    header_auth: Option<String>,
    rid: Option<String>,
    ip: Option<std::net::IpAddr>,
) {
    let ctx = Arc::clone(&state.ctx);
    // One deadline for connection_init: pings, pongs and binary frames do not extend it.
    let deadline = tokio::time::Instant::now() + ctx.config.ws_init_timeout;
    let first = loop {
        match tokio::time::timeout_at(deadline, socket.recv()).await {
            Err(_) => return close(socket, 4408, "Connection initialisation timeout").await,
            Ok(None) | Ok(Some(Err(_))) => return,
            Ok(Some(Ok(Message::Text(text)))) => break text,
            Ok(Some(Ok(Message::Close(_)))) => return,
            Ok(Some(Ok(_))) => continue, // pings, pongs and binary frames before init
        }
    };
    let init: serde_json::Value = serde_json::from_str(first.as_str()).unwrap_or_default();
    if init.get("type").and_then(|t| t.as_str()) != Some("connection_init") {
        return close(socket, 4400, "Expected connection_init").await;
    }
    let payload = init.get("payload").cloned().unwrap_or_default();
    let from_payload = ["authorization", "Authorization"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
        .map(String::from);
    let credential = from_payload.or(header_auth);
    // Listen for revocations before reading the standing, so none falls between the two.
    let mut revocations = ctx.bus.revocations();
    // The database reads are boxed here and below: a future awaited inline makes this task as
    // large as its largest state for the socket's whole life (12 KB of the 34 KB an idle
    // socket cost), while a boxed one exists only while it runs.
    let principal = Box::pin(identity_from(&ctx, credential.as_deref())).await;
    if let Some(code) = Box::pin(refusal(&ctx, &principal)).await {
        return close(socket, code, reason(code)).await;
    }
    // A user's socket lives no longer than the access token it opened with (4401 then; the
    // client reconnects with a fresh token). API keys have no such clock, only revocation.
    let token_expires = credential
        .as_deref()
        .and_then(|c| c.trim().strip_prefix("Bearer ").or_else(|| c.trim().strip_prefix("bearer ")))
        .and_then(|t| ctx.jwt.verify(t.trim()).ok())
        .map(|claims| claims.exp);
    if matches!(principal, Principal::User { .. }) && token_expires.is_none() {
        // The token ran out between the two reads: no socket without a clock.
        return close(socket, 4401, reason(4401)).await;
    }
    let meta = RequestMeta { principal: principal.clone(), request_id: rid, client_ip: ip, user_agent: None };
    // The request's DataLoaders are made for each execution (`Sockets`), not kept per socket.
    let mut data = Data::default();
    data.insert(meta.clone());

    let (mut sink, stream) = socket.split();
    // One writer owns the socket's sending half: GraphQL frames and keep-alive pings.
    let (tx, mut rx) = futures_channel::mpsc::channel::<Message>(32);
    let guard = Arc::new(Guard::new(Arc::clone(&ctx), meta, token_expires, legacy, tx.clone()));
    let ping_every = ctx.config.ws_ping_interval;
    let watcher = Arc::clone(&guard);
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        loop {
            tokio::select! {
                msg = rx.next() => match msg {
                    Some(m) => {
                        if let Message::Text(t) = &m {
                            watcher.sent(t.as_str());
                        }
                        if sink.send(m).await.is_err() { break }
                    }
                    None => break,
                },
                _ = ping.tick() => if sink.send(Message::Ping(Default::default())).await.is_err() { break },
            }
        }
        let _ = sink.close().await;
    });
    // Every frame the client sends passes the guard first (see `ws_guard`).
    let refused = Arc::new(AtomicU16::new(0));
    let guarded = {
        let (guard, refused) = (Arc::clone(&guard), Arc::clone(&refused));
        let replay = futures_util::stream::once(futures_util::future::ready(Ok(Message::Text(first))));
        futures_util::stream::unfold(Box::pin(replay.chain(stream)), move |mut inner| {
            let (guard, refused) = (Arc::clone(&guard), Arc::clone(&refused));
            async move {
                loop {
                    let msg = inner.next().await?;
                    // Both protocols are text-only; a binary frame would reach the protocol
                    // handler without passing the guard.
                    if let Ok(Message::Binary(_)) = &msg {
                        refused.store(4400, Ordering::SeqCst);
                        return None;
                    }
                    if let Ok(Message::Text(text)) = &msg {
                        // Boxed (its database and Redis reads), as in `serve` above.
                        match Box::pin(guard.admit(text.as_str())).await {
                            Verdict::Pass => {}
                            Verdict::Answered => continue,
                            Verdict::Close(code) => {
                                refused.store(code, Ordering::SeqCst);
                                return None;
                            }
                        }
                    }
                    return Some((msg, inner));
                }
            }
        })
    };
    let session = GraphQLWebSocket::new_with_pair(
        tx.clone(),
        guarded,
        Sockets { schema: state.schema.clone(), db: ctx.db.clone() },
        protocol,
    )
    .on_connection_init(move |_| async move { Ok(data) })
    .serve();
    let expiry = async move {
        match token_expires {
            Some(exp) => {
                let left = (exp - chrono::Utc::now().timestamp()).max(0) as u64;
                tokio::time::sleep(std::time::Duration::from_secs(left)).await
            }
            None => std::future::pending().await,
        }
    };
    let watch = async {
        let every = ctx.config.ws_recheck_interval;
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            let look = tokio::select! {
                got = revocations.recv() => match got {
                    Ok(Control::Revoked(r)) if crate::access::revokes(&r, &principal) => return 4403,
                    Ok(Control::Revoked(_)) => false,
                    // Missed some, or Redis was away: read the standing instead of guessing.
                    Ok(Control::Recheck) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => std::future::pending::<bool>().await,
                },
                // An API key's expiry, or a revocation published while Redis refused it.
                _ = recheck.tick() => true,
            };
            if look && let Some(code) = Box::pin(refusal(&ctx, &principal)).await {
                return code;
            }
        }
    };
    let code = tokio::select! {
        _ = session => refused.load(Ordering::SeqCst),
        _ = expiry => 4401,
        code = watch => code,
    };
    let mut tx = tx;
    if code != 0 {
        let _ = tx.send(Message::Close(Some(CloseFrame { code, reason: reason(code).into() }))).await;
    }
    drop(tx);
    let _ = writer.await;
}

fn reason(code: u16) -> &'static str {
    match code {
        4401 => "Unauthorized",
        4403 => "Forbidden",
        _ => "Closed",
    }
}

//! `GET /graphql/ws`: GraphQL over WebSocket, `graphql-transport-ws` (and legacy `graphql-ws`).
//!
//! The first message must be `connection_init` within `WS_INIT_TIMEOUT_SECS` (else close 4408),
//! carrying `{"authorization": "Bearer …"}` (an `Authorization` header on the upgrade also works).
//! Missing or bad credentials close with 4401, a disabled account with 4403, anything other than
//! `connection_init` first with 4400. The server pings every `WS_PING_INTERVAL_SECS`.
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

use super::graphql::HttpState;
use super::request::{client_ip, principal_from, request_id};
use crate::auth::{Principal, RequestMeta};
use crate::context::AppContext;
use crate::graphql::request_loaders;
use crate::store;

/// Client frames are a few hundred bytes (`connection_init` with a JWT is the largest); bigger
/// ones just take more reads. tungstenite allocates and fills this buffer per socket.
const READ_BUFFER: usize = 1024;
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
    let header_auth = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(String::from);
    let rid = request_id(&headers);
    let ip = client_ip(&state.ctx, &headers, Some(peer));
    ws.protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(state, socket, protocol, header_auth, rid, ip))
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
}

async fn serve(
    state: HttpState,
    mut socket: WebSocket,
    protocol: GraphQLProtocol,
    header_auth: Option<String>,
    rid: Option<String>,
    ip: Option<std::net::IpAddr>,
) {
    let ctx = Arc::clone(&state.ctx);
    let first = loop {
        match tokio::time::timeout(ctx.config.ws_init_timeout, socket.recv()).await {
            Err(_) => return close(socket, 4408, "Connection initialisation timeout").await,
            Ok(None) | Ok(Some(Err(_))) => return,
            Ok(Some(Ok(Message::Text(text)))) => break text,
            Ok(Some(Ok(Message::Close(_)))) => return,
            Ok(Some(Ok(_))) => continue, // pings and pongs before init
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
    let principal = principal_from(&ctx, credential.as_deref()).await;
    match admission(&ctx, &principal).await {
        Admission::Unauthorized => return close(socket, 4401, "Unauthorized").await,
        Admission::Forbidden => return close(socket, 4403, "Forbidden").await,
        Admission::Ok => {}
    }
    let mut data = Data::default();
    data.insert(RequestMeta { principal, request_id: rid, client_ip: ip });
    data.insert(request_loaders(&ctx.db));

    let (mut sink, stream) = socket.split();
    // One writer owns the socket's sending half: GraphQL frames and keep-alive pings.
    let (tx, mut rx) = futures_channel::mpsc::channel::<Message>(32);
    let ping_every = ctx.config.ws_ping_interval;
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
        loop {
            tokio::select! {
                msg = rx.next() => match msg {
                    Some(m) => if sink.send(m).await.is_err() { break },
                    None => break,
                },
                _ = ping.tick() => if sink.send(Message::Ping(Default::default())).await.is_err() { break },
            }
        }
        let _ = sink.close().await;
    });
    let replay = futures_util::stream::once(futures_util::future::ready(Ok(Message::Text(first))));
    GraphQLWebSocket::new_with_pair(tx, replay.chain(stream), state.schema.clone(), protocol)
        .on_connection_init(move |_| async move { Ok(data) })
        .serve()
        .await;
    let _ = writer.await;
}

enum Admission {
    Ok,
    Unauthorized,
    Forbidden,
}

/// Anyone with valid credentials may open a socket, except a disabled user.
async fn admission(ctx: &AppContext, principal: &Principal) -> Admission {
    match principal {
        Principal::Anonymous { .. } => Admission::Unauthorized,
        Principal::User { user_id, .. } => match store::users::find(&ctx.db, *user_id).await {
            Ok(Some(u)) if !u.disabled => Admission::Ok,
            Ok(Some(_)) => Admission::Forbidden,
            Ok(None) => Admission::Unauthorized,
            Err(e) => {
                tracing::error!(error = %e, "checking a WebSocket user");
                Admission::Unauthorized
            }
        },
        Principal::ApiKey { .. } | Principal::System => Admission::Ok,
    }
}

//! `GET /graphql/ws`: GraphQL over WebSocket (`graphql-transport-ws`, and legacy `graphql-ws`).
//! The caller authenticates in `connection_init` (`{"authorization": "Bearer …"}`) or with an
//! `Authorization` header on the upgrade.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use std::net::SocketAddr;

use super::graphql::HttpState;
use super::request::{client_ip, principal_from, request_id};
use crate::auth::{Principal, RequestMeta};
use crate::graphql::request_loaders;

/// Small buffers: one connection per contractor adds up quickly at scale.
const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 4 * 1024;
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
        .on_upgrade(move |socket| async move {
            let ctx = Arc::clone(&state.ctx);
            GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .keepalive_timeout(Duration::from_secs(30))
                .on_connection_init(move |payload| async move {
                    let from_payload = payload
                        .get("authorization")
                        .or_else(|| payload.get("Authorization"))
                        .and_then(|v| v.as_str())
                        .map(String::from);
                    let principal = principal_from(&ctx, from_payload.or(header_auth).as_deref()).await;
                    if let Principal::Anonymous { reason: Some(reason) } = &principal {
                        return Err(async_graphql::Error::new(reason.clone()));
                    }
                    let mut data = Data::default();
                    data.insert(RequestMeta { principal, request_id: rid, client_ip: ip });
                    data.insert(request_loaders(&ctx.db));
                    Ok(data)
                })
                .serve()
                .await
        })
}

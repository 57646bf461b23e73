//! A small `graphql-transport-ws` client over a real WebSocket.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::TestApp;

pub type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How a socket ended, or what it sent.
#[derive(Debug, PartialEq)]
pub enum Frame {
    Json(Value),
    Closed(Option<u16>),
}

pub struct Ws {
    pub socket: Socket,
    /// Frames read while waiting for a subscription to run, handed out by `next` first.
    buffered: std::collections::VecDeque<Frame>,
}

impl Ws {
    /// Opens a socket without initialising it.
    pub async fn open(app: &TestApp) -> Ws {
        let mut req = format!("ws://{}/graphql/ws", app.addr).into_client_request().expect("request");
        req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("header"));
        let (socket, _) = tokio_tungstenite::connect_async(req).await.expect("websocket connects");
        Ws { socket, buffered: Default::default() }
    }

    /// Opens, sends `connection_init` with the token, and waits for the ack.
    pub async fn connect(app: &TestApp, token: &str) -> Ws {
        let mut ws = Ws::open(app).await;
        ws.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})).await;
        match ws.next(Duration::from_secs(5)).await {
            Frame::Json(v) if v["type"] == "connection_ack" => ws,
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    pub async fn send(&mut self, v: Value) {
        self.socket.send(Message::Text(v.to_string().into())).await.expect("send");
    }

    /// Sends a `subscribe` frame and returns at once (for tests of what a socket refuses: each
    /// such frame is charged and counted by the server).
    pub async fn subscribe_raw(&mut self, id: &str, query: &str) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query}})).await;
    }

    /// Starts a subscription and returns once the server runs it: a query sent after it on the
    /// same socket has been answered (the server takes a socket's frames in order), so an event
    /// made next reaches it. Frames that arrive meanwhile are kept for `next`.
    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.subscribe_with(id, json!({"query": query})).await;
    }

    /// `subscribe` with a whole payload (operation name, variables).
    pub async fn subscribe_with(&mut self, id: &str, payload: Value) {
        self.send(json!({"id": id, "type": "subscribe", "payload": payload})).await;
        let probe = format!("{id}~probe");
        self.subscribe_raw(&probe, "{ __typename }").await;
        loop {
            match self.read(Duration::from_secs(10)).await {
                Frame::Json(v) if v["id"] == probe.as_str() => {
                    if v["type"] != "next" {
                        return; // complete, or refused: either way the server is past `id`
                    }
                }
                closed @ Frame::Closed(_) => {
                    self.buffered.push_back(closed);
                    return;
                }
                other => self.buffered.push_back(other),
            }
        }
    }

    /// The next JSON frame or the close, within `limit` (panics on timeout).
    pub async fn next(&mut self, limit: Duration) -> Frame {
        match self.buffered.pop_front() {
            Some(f) => f,
            None => self.read(limit).await,
        }
    }

    async fn read(&mut self, limit: Duration) -> Frame {
        loop {
            let frame = tokio::time::timeout(limit, self.socket.next()).await.expect("a frame in time");
            match frame {
                Some(Ok(Message::Text(t))) => return Frame::Json(serde_json::from_str(&t).expect("json frame")),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(c))) => return Frame::Closed(c.map(|f| u16::from(f.code))),
                None | Some(Err(_)) => return Frame::Closed(None),
                Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The payload data of the next `next` message (panics on anything else).
    pub async fn next_data(&mut self, limit: Duration) -> Value {
        match self.next(limit).await {
            Frame::Json(v) if v["type"] == "next" => v["payload"]["data"].clone(),
            other => panic!("expected a `next` message, got {other:?}"),
        }
    }
}

pub const LEAD_OFFERS: &str = "subscription { leadOffers { kind offer { id status expiresAt lead { id suburb postcode damageType urgency estimatedValueCents } } } }";
pub const LEAD_UPDATES: &str = "subscription { leadUpdates { leadId status previousStatus } }";

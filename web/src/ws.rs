//! Live subscriptions over `graphql-transport-ws`. One socket per subscription; it reconnects
//! with exponential back-off (1 s doubling to 30 s) and reports its state so the page can show
//! it. The server replays what is still open on every (re)connect, so nothing is lost offline.

use std::sync::Mutex;

use futures_util::{FutureExt, SinkExt, StreamExt, select};
use gloo_net::websocket::{Message, futures::WebSocket};
use gloo_timers::future::TimeoutFuture;
use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use serde_json::{Value, json};

/// What the socket is doing, for the page to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Live,
    /// Lost; the next attempt is in this many seconds.
    Offline(u32),
}

/// Silence longer than this means the link is dead (the server pings every 20 s).
const SILENCE_MS: u32 = 45_000;

fn url() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let host = loc.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let secure = loc.and_then(|l| l.protocol().ok()).is_some_and(|p| p == "https:");
    format!("{}://{host}/graphql/ws", if secure { "wss" } else { "ws" })
}

/// Runs `Q` until the owning component goes away, calling `on_data` for each result.
pub fn subscribe<Q>(vars: Q::Variables, state: RwSignal<LinkState>, on_data: impl Fn(Q::ResponseData) + 'static)
where
    Q: GraphQLQuery + 'static,
    Q::Variables: Clone + 'static,
{
    let (stop_tx, stop_rx) = futures_channel::oneshot::channel::<()>();
    let stop_tx = Mutex::new(Some(stop_tx));
    on_cleanup(move || {
        if let Ok(mut s) = stop_tx.lock()
            && let Some(tx) = s.take()
        {
            let _ = tx.send(());
        }
    });
    leptos::task::spawn_local(async move {
        let mut stop = stop_rx.fuse();
        let mut delay_s = 1u32;
        loop {
            state.set(LinkState::Connecting);
            let session = run_once::<Q>(vars.clone(), &state, &on_data).fuse();
            futures_util::pin_mut!(session);
            let outcome = select! {
                r = session => r,
                _ = stop => return,
            };
            if outcome == Outcome::WasLive {
                delay_s = 1;
            }
            if outcome == Outcome::Unauthorised && crate::api::refresh().await.is_err() {
                return; // signed out: nothing to subscribe as
            }
            // Back off, with a little jitter so many phones do not return at once.
            let wait = delay_s + (js_sys::Math::random() * f64::from(delay_s) / 4.0) as u32;
            for left in (1..=wait).rev() {
                state.set(LinkState::Offline(left));
                select! {
                    _ = TimeoutFuture::new(1_000).fuse() => {},
                    _ = stop => return,
                }
            }
            delay_s = (delay_s * 2).min(30);
        }
    });
}

#[derive(PartialEq, Eq)]
enum Outcome {
    /// Connected and streamed before it dropped.
    WasLive,
    /// Never got going.
    Failed,
    /// The server refused the token (4401).
    Unauthorised,
}

async fn run_once<Q>(vars: Q::Variables, state: &RwSignal<LinkState>, on_data: &impl Fn(Q::ResponseData)) -> Outcome
where
    Q: GraphQLQuery,
    Q::Variables: Clone,
{
    let Some(token) = crate::api::access_token().await else { return Outcome::Unauthorised };
    let Ok(ws) = WebSocket::open_with_protocol(&url(), "graphql-transport-ws") else { return Outcome::Failed };
    let (mut tx, mut rx) = ws.split();
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    if tx.send(Message::Text(init.to_string())).await.is_err() {
        return Outcome::Failed;
    }
    let mut live = false;
    loop {
        let next = select! {
            m = rx.next().fuse() => m,
            _ = TimeoutFuture::new(SILENCE_MS).fuse() => None,
        };
        let text = match next {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Bytes(b))) => String::from_utf8_lossy(&b).into_owned(),
            Some(Err(gloo_net::websocket::WebSocketError::ConnectionClose(c))) if c.code == 4401 => {
                return Outcome::Unauthorised;
            }
            _ => return if live { Outcome::WasLive } else { Outcome::Failed },
        };
        let Ok(msg) = serde_json::from_str::<Value>(&text) else { continue };
        match msg["type"].as_str() {
            Some("connection_ack") => {
                let body = Q::build_query(vars.clone());
                let sub = json!({ "id": "1", "type": "subscribe", "payload": body });
                if tx.send(Message::Text(sub.to_string())).await.is_err() {
                    return Outcome::Failed;
                }
                live = true;
                state.set(LinkState::Live);
            }
            Some("ping") => {
                let _ = tx.send(Message::Text(json!({ "type": "pong" }).to_string())).await;
            }
            Some("next") => {
                if let Ok(data) = serde_json::from_value::<Q::ResponseData>(msg["payload"]["data"].clone()) {
                    on_data(data);
                }
            }
            Some("error") | Some("complete") => return if live { Outcome::WasLive } else { Outcome::Failed },
            _ => {}
        }
    }
}

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::broadcast;

use super::{Event, Revocation};

/// Events for this instance's subscribers; see the module docs.
#[derive(Clone)]
pub struct EventBus {
    local: Local,
    redis: Option<(ConnectionManager, String)>,
}

/// This instance's two broadcasts: events for subscriptions, and revocations for the sockets'
/// watch (kept apart so an idle socket's watch never wakes for the stream of offers).
#[derive(Clone)]
struct Local {
    events: broadcast::Sender<Arc<Event>>,
    revocations: broadcast::Sender<Control>,
}

/// What the sockets' watch hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Revoked(Revocation),
    /// Revocations may have been missed (Redis was away): every socket re-reads its standing.
    Recheck,
}

impl Local {
    fn new() -> Self {
        Local { events: broadcast::channel(CAPACITY).0, revocations: broadcast::channel(1024).0 }
    }

    fn deliver(&self, event: Event) {
        match event {
            Event::Revoked(r) => {
                let _ = self.revocations.send(Control::Revoked(r));
            }
            other => {
                let _ = self.events.send(Arc::new(other));
            }
        }
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus").field("redis", &self.redis.as_ref().map(|(_, c)| c)).finish()
    }
}

/// Room for bursts; a subscriber that falls further behind is told it lagged and resynchronises.
const CAPACITY: usize = 16_384;

impl EventBus {
    /// An in-process bus.
    pub fn local() -> Self {
        EventBus { local: Local::new(), redis: None }
    }

    /// A bus shared through Redis. Subscribes before returning, so nothing published after
    /// start-up is missed, then leaves this instance's one subscriber task running.
    pub async fn with_redis(
        client: redis::Client,
        publisher: ConnectionManager,
        prefix: &str,
    ) -> redis::RedisResult<Self> {
        let channel = format!("{prefix}:events");
        let local = Local::new();
        let mut first = client.get_async_pubsub().await?;
        first.subscribe(&channel).await?;
        tokio::spawn(relay(client, channel.clone(), local.clone(), Some(first)));
        Ok(EventBus { local, redis: Some((publisher, channel)) })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.local.events.subscribe()
    }

    /// Revocations from every instance, for the WebSockets' watch.
    pub fn revocations(&self) -> broadcast::Receiver<Control> {
        self.local.revocations.subscribe()
    }

    /// Sends events to every instance. If Redis cannot take them, this instance's subscribers
    /// still get them; the others recover what is stored when they reconnect.
    pub async fn publish(&self, events: Vec<Event>) {
        for event in events {
            if let Some((conn, channel)) = &self.redis {
                match serde_json::to_string(&event) {
                    Ok(payload) => {
                        let mut conn = conn.clone();
                        match redis::cmd("PUBLISH").arg(channel).arg(payload).query_async::<i64>(&mut conn).await {
                            Ok(_) => continue,
                            Err(e) => tracing::warn!(error = %e, "event bus: Redis publish failed; delivering locally"),
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "event bus: could not encode an event"),
                }
            }
            self.local.deliver(event);
        }
    }
}

/// The instance's one Redis subscriber: forwards the channel into the local broadcast, and
/// reconnects (with back-off) whenever the connection drops.
async fn relay(client: redis::Client, channel: String, local: Local, mut established: Option<redis::aio::PubSub>) {
    let mut delay = Duration::from_millis(100);
    let mut first = true;
    loop {
        let connection = match established.take() {
            Some(ready) => Ok(ready),
            None => match client.get_async_pubsub().await {
                Ok(mut p) => p.subscribe(&channel).await.map(|()| p),
                Err(e) => Err(e),
            },
        };
        match connection {
            Ok(pubsub) => {
                tracing::info!(%channel, "event bus: subscribed to Redis");
                delay = Duration::from_millis(100);
                if !first {
                    // Whatever was published while the subscription was down never reached this
                    // instance: its subscribers re-read what is open, as after a lag.
                    let _ = local.events.send(Arc::new(Event::Resync));
                    let _ = local.revocations.send(Control::Recheck);
                }
                first = false;
                let mut messages = pubsub.into_on_message();
                while let Some(msg) = messages.next().await {
                    let Ok(payload) = msg.get_payload::<String>() else { continue };
                    match serde_json::from_str::<Event>(&payload) {
                        Ok(event) => local.deliver(event),
                        Err(e) => tracing::warn!(error = %e, "event bus: unreadable event from Redis"),
                    }
                }
                tracing::warn!("event bus: Redis subscription ended; reconnecting");
            }
            Err(e) => tracing::warn!(error = %e, "event bus: Redis unavailable; retrying"),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

//! The shared state every request and background task uses.

use std::sync::Arc;

use redis::aio::ConnectionManager;
use sea_orm::DatabaseConnection;

use crate::auth::{JwtKeys, Passwords, RateLimiter};
use crate::config::Config;
use crate::events::EventBus;
use crate::payments::PaymentProvider;
use crate::storage::AttachmentStore;

/// Database, configuration, keys and shared clients; cheap to clone (everything inside is shared).
#[derive(Clone, Debug)]
pub struct AppContext {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    pub limiter: Arc<RateLimiter>,
    /// Password hashing, a bounded number at a time.
    pub passwords: Arc<Passwords>,
    pub redis: Option<ConnectionManager>,
    pub bus: EventBus,
    pub attachments: Arc<dyn AttachmentStore>,
    /// Pays contractors; `None` when no provider is configured (payouts then wait).
    pub payments: Option<Arc<dyn PaymentProvider>>,
    /// The notification channels this instance sends on (each off until configured).
    pub channels: crate::notify::Channels,
    /// Wakes this instance's notification sender when something is queued (the others find it
    /// on their next sweep).
    pub notifications_queued: Arc<tokio::sync::Notify>,
    /// Counts the notification outcomes this instance has recorded (sent, retrying, failed,
    /// cancelled): something to wait on for whoever watches deliveries (the tests, an operator's
    /// console).
    pub notification_outcomes: Arc<tokio::sync::watch::Sender<u64>>,
    /// Counts the password-reset requests this instance has finished looking up (they run after
    /// the answer, so the answer's timing says nothing about the address).
    pub reset_requests_done: Arc<tokio::sync::watch::Sender<u64>>,
    /// The contractors as routing sees them, kept in memory (`services::routing::network`).
    pub network: Arc<crate::services::routing::network::Network>,
}

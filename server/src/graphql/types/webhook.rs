use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{webhook_attempt, webhook_delivery};

use super::app;
use super::enums::DeliveryStatus;
use super::partner::Partner;
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::services;

/// One event sent (or being sent) to a partner's webhook.
pub struct WebhookDelivery(pub webhook_delivery::Model);

#[Object]
impl WebhookDelivery {
    /// Also the event id (`X-NRP-Event-Id`): de-duplicate on it.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// `lead.status_changed`, `job.status_changed`, `claim.lodged`, `claim.updated`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn status(&self) -> DeliveryStatus {
        self.0.status.into()
    }
    /// The exact JSON body that is signed and sent.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    /// Attempts in the current round (sending a dead letter again starts a new one; `attemptLog`
    /// lists every attempt ever made).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == entities::DeliveryStatus::Pending).then_some(self.0.next_attempt_at)
    }
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// Every try, oldest first.
    #[graphql(complexity = "crate::graphql::ids::rows_cost(12, child_complexity)")]
    async fn attempt_log(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>> {
        Ok(services::webhooks::attempts(app(ctx), self.0.id).await.gql()?.into_iter().map(WebhookAttempt).collect())
    }
}

pub struct WebhookAttempt(pub webhook_attempt::Model);

#[Object]
impl WebhookAttempt {
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn duration_ms(&self) -> i64 {
        self.0.duration_ms
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A webhook endpoint and its new signing secret, shown here once.
#[derive(SimpleObject)]
pub struct SetWebhookPayload {
    pub partner: Partner,
    /// Verify deliveries with HMAC-SHA256 over `"{X-NRP-Timestamp}.{body}"`; null when cleared.
    pub secret: Option<String>,
}

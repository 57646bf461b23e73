use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entities::{NotificationStatus as Status, notification};

use super::enums::{NotificationAudience, NotificationChannel, NotificationStatus};
use crate::graphql::ids::to_id;

/// One message on one channel to one place, and how its delivery went (admins).
pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn channel(&self) -> NotificationChannel {
        self.0.channel.into()
    }
    /// Which message: `customer.assigned`, `customer.stage`, …
    async fn template(&self) -> &str {
        &self.0.template
    }
    async fn audience(&self) -> NotificationAudience {
        self.0.audience.into()
    }
    /// The email address, phone number (E.164) or push subscription it went to.
    async fn recipient(&self) -> &str {
        &self.0.destination
    }
    /// The login it is for (none for a customer).
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(to_id)
    }
    async fn lead_id(&self) -> Option<ID> {
        self.0.lead_id.map(to_id)
    }
    async fn job_id(&self) -> Option<ID> {
        self.0.job_id.map(to_id)
    }
    async fn offer_id(&self) -> Option<ID> {
        self.0.offer_id.map(to_id)
    }
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The text as sent (SMS and push), or the email's plain-text part.
    async fn body(&self) -> &str {
        &self.0.body_text
    }
    async fn status(&self) -> NotificationStatus {
        self.0.status.into()
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why the last attempt failed, or why it was cancelled.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The provider's id for the accepted message (an SMS sid, an email's Message-ID).
    async fn provider_ref(&self) -> Option<&str> {
        self.0.provider_ref.as_deref()
    }
    /// For a copy made by "send again": the notification it copies.
    async fn resent_from(&self) -> Option<ID> {
        self.0.resent_from.map(to_id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it is next tried (pending ones only).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == Status::Pending).then_some(self.0.next_attempt_at)
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
}

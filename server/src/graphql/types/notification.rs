use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entities::{NotificationStatus as Status, notification};

use super::enums::{NotificationAudience, NotificationChannel, NotificationStatus};
use crate::graphql::ids::to_id;
use crate::services::notifications::settings::CODE_HIDDEN;
use crate::services::notifications::templates::carries_secret;

/// One message on one channel to one place, and how its delivery went (admins).
pub struct Notification(pub notification::Model);

impl Notification {
    fn is_code(&self) -> bool {
        carries_secret(&self.0.template)
    }
}

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
    /// One-time codes are never shown.
    async fn subject(&self) -> Option<&str> {
        if self.is_code() { Some(CODE_HIDDEN) } else { self.0.subject.as_deref() }
    }
    /// The text as sent (SMS and push), or the email's plain-text part; one-time codes are never
    /// shown.
    async fn body(&self) -> &str {
        if self.is_code() { CODE_HIDDEN } else { &self.0.body_text }
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

/// What a login can be alerted about.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::services::notifications::settings::Event")]
pub enum NotificationEvent {
    /// A new offer: a push at once; an SMS if an urgent one sits unopened.
    Offer,
    /// A job past its contact deadline or idle too long.
    JobOverdue,
    /// A certification expiring within 30 days.
    CertExpiring,
    /// A payout sent to the bank.
    PayoutSent,
    /// A lead nobody took, back in the admin queue (admins).
    UnassignedLead,
}

/// One device that receives your push alerts.
pub struct PushSubscription(pub entities::push_subscription::Model);

#[Object]
impl PushSubscription {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// The push service's URL for this device.
    async fn endpoint(&self) -> &str {
        &self.0.endpoint
    }
    /// What you called it ("Pixel 8").
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When an alert last reached the push service for it.
    async fn last_sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_sent_at
    }
}

/// Which channels carry one kind of alert.
#[derive(async_graphql::SimpleObject)]
pub struct NotificationChoice {
    pub event: NotificationEvent,
    pub channels: Vec<NotificationChannel>,
}

/// Quiet hours on your clock, `HH:MM` (24-hour); they may wrap past midnight.
#[derive(async_graphql::SimpleObject)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
}

/// Your alert settings.
pub struct NotificationSettings(pub crate::services::notifications::settings::Settings);

fn hhmm(m: i32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

#[Object]
impl NotificationSettings {
    /// The mobile number alerts go to (E.164), once verified.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn phone_verified(&self) -> bool {
        self.0.phone_verified
    }
    /// Whether your login email has been proven (a code sent to it came back).
    async fn email_verified(&self) -> bool {
        self.0.email_verified
    }
    /// Your clock for quiet hours; NRP's when empty.
    async fn time_zone(&self) -> Option<&str> {
        self.0.time_zone.as_deref()
    }
    async fn quiet_hours(&self) -> Option<QuietHours> {
        self.0.quiet_hours.map(|(s, e)| QuietHours { start: hhmm(s), end: hhmm(e) })
    }
    /// Every kind of alert, with the channels it uses.
    async fn choices(&self) -> Vec<NotificationChoice> {
        self.0
            .choices
            .iter()
            .map(|(event, channels)| NotificationChoice {
                event: (*event).into(),
                channels: channels.iter().map(|c| (*c).into()).collect(),
            })
            .collect()
    }
}

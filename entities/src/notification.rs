use sea_orm::entity::prelude::*;

use crate::{NotificationAudience, NotificationChannel, NotificationStatus};

/// One message to one destination on one channel: the outbox row (written in the transaction
/// of the change that causes it) and its delivery log entry in one.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel: NotificationChannel,
    /// Which message this is (`offer.new`, `customer.assigned`, …).
    pub template: String,
    pub audience: NotificationAudience,
    /// The login it is for (none for a customer).
    pub user_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub offer_id: Option<Uuid>,
    /// An email address, an E.164 phone number, or a push subscription's id.
    pub destination: String,
    pub subject: Option<String>,
    pub body_text: String,
    pub body_html: Option<String>,
    /// Channel-specific extras as JSON (a push's tag and the page its click opens).
    pub data: Option<String>,
    pub status: NotificationStatus,
    pub attempts: i32,
    /// When it is next due; while a sender holds it, the end of that sender's lease.
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    /// The provider's id for the accepted message (an SMS sid, an email's Message-ID).
    pub provider_ref: Option<String>,
    /// At most one notification per key (an event never notifies the same place twice).
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
    /// For "send again": the notification this one copies.
    pub resent_from: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

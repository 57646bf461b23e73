//! Stripe events already applied.

use chrono::{DateTime, Utc};
use entities::stripe_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect, Set};

pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<stripe_event::Model>, DbErr> {
    stripe_event::Entity::find_by_id(id.to_string()).one(db).await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    id: &str,
    event_type: &str,
    created: DateTime<Utc>,
    outcome: &str,
) -> Result<stripe_event::Model, DbErr> {
    stripe_event::ActiveModel {
        id: Set(id.into()),
        event_type: Set(event_type.chars().take(100).collect()),
        created: Set(created),
        received_at: Set(Utc::now()),
        outcome: Set(outcome.chars().take(500).collect()),
    }
    .insert(db)
    .await
}

/// Newest received first.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<stripe_event::Model>, DbErr> {
    stripe_event::Entity::find().order_by_desc(stripe_event::Column::ReceivedAt).limit(limit).all(db).await
}

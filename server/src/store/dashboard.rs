//! Narrow reads for the admin dashboard: only the columns the figures need.

use chrono::{DateTime, Utc};
use entities::{DamageType, JobStatus, OfferStatus, job, lead, offer, payout};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// (created, damage type) of the leads received since `from`.
pub async fn leads_since(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, DamageType)>, DbErr> {
    lead::Entity::find()
        .select_only()
        .column(lead::Column::CreatedAt)
        .column(lead::Column::DamageType)
        .filter(lead::Column::CreatedAt.gte(from))
        .into_tuple()
        .all(db)
        .await
}

/// (status, created, responded) of the offers made since `from`.
pub async fn offers_since(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
) -> Result<Vec<(OfferStatus, DateTime<Utc>, Option<DateTime<Utc>>)>, DbErr> {
    offer::Entity::find()
        .select_only()
        .column(offer::Column::Status)
        .column(offer::Column::CreatedAt)
        .column(offer::Column::RespondedAt)
        .filter(offer::Column::CreatedAt.gte(from))
        .into_tuple()
        .all(db)
        .await
}

/// The stage of every job.
pub async fn job_stages(db: &impl ConnectionTrait) -> Result<Vec<JobStatus>, DbErr> {
    job::Entity::find().select_only().column(job::Column::Status).into_tuple().all(db).await
}

/// (created, commission, payout) of the payouts recorded since `from`.
pub async fn payouts_since(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, i64, i64)>, DbErr> {
    payout::Entity::find()
        .select_only()
        .column(payout::Column::CreatedAt)
        .column(payout::Column::CommissionCents)
        .column(payout::Column::PayoutCents)
        .filter(payout::Column::CreatedAt.gte(from))
        .into_tuple()
        .all(db)
        .await
}

use chrono::Utc;
use entities::{JobStatus, job};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// Creates the job for a lead. The unique index on `lead_id` makes a second job impossible.
pub async fn insert(
    db: &impl ConnectionTrait,
    lead_id: Uuid,
    contractor_id: Uuid,
    offer_id: Option<Uuid>,
) -> Result<job::Model, DbErr> {
    let now = Utc::now();
    job::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(lead_id),
        contractor_id: Set(contractor_id),
        offer_id: Set(offer_id),
        status: Set(JobStatus::AwaitingContact),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn find_by_lead(db: &impl ConnectionTrait, lead_id: Uuid) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find().filter(job::Column::LeadId.eq(lead_id)).one(db).await
}

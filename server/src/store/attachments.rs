use chrono::Utc;
use entities::{AttachmentKind, attachment};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// An attachment row to insert; the bytes are already stored under `storage_key`.
pub struct NewAttachment {
    pub id: Uuid,
    pub job_id: Uuid,
    pub kind: AttachmentKind,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
}

pub async fn insert(db: &impl ConnectionTrait, n: NewAttachment) -> Result<attachment::Model, DbErr> {
    attachment::ActiveModel {
        id: Set(n.id),
        job_id: Set(n.job_id),
        kind: Set(n.kind),
        filename: Set(n.filename),
        content_type: Set(n.content_type),
        size_bytes: Set(n.size_bytes),
        sha256: Set(n.sha256),
        storage_key: Set(n.storage_key),
        uploaded_by: Set(n.uploaded_by),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<attachment::Model>, DbErr> {
    attachment::Entity::find_by_id(id).one(db).await
}

pub async fn for_job(db: &impl ConnectionTrait, job_id: Uuid) -> Result<Vec<attachment::Model>, DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::JobId.eq(job_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await
}

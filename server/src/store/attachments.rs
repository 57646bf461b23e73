use chrono::Utc;
use entities::{AttachmentKind, attachment};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::domain::capture::Capture;

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
    /// The phone's key, time and position, for a photo taken on site.
    pub capture: Option<Capture>,
}

pub async fn insert(db: &impl ConnectionTrait, n: NewAttachment) -> Result<attachment::Model, DbErr> {
    let position = n.capture.as_ref().and_then(|c| c.position);
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
        captured_at: Set(n.capture.as_ref().map(|c| c.captured_at)),
        client_key: Set(n.capture.map(|c| c.client_key)),
        latitude: Set(position.map(|p| p.latitude)),
        longitude: Set(position.map(|p| p.longitude)),
        accuracy_m: Set(position.and_then(|p| p.accuracy_m)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<attachment::Model>, DbErr> {
    attachment::Entity::find_by_id(id).one(db).await
}

/// The file a phone sent before under this key, if any.
pub async fn by_client_key(
    db: &impl ConnectionTrait,
    job_id: Uuid,
    client_key: &str,
) -> Result<Option<attachment::Model>, DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::JobId.eq(job_id))
        .filter(attachment::Column::ClientKey.eq(client_key))
        .one(db)
        .await
}

pub async fn for_job(db: &impl ConnectionTrait, job_id: Uuid) -> Result<Vec<attachment::Model>, DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::JobId.eq(job_id))
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await
}

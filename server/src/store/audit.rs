use chrono::Utc;
use entities::{ActorKind, audit_entry};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use uuid::Uuid;

/// An audit entry to write.
pub struct NewAuditEntry {
    pub actor_kind: ActorKind,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub changes: serde_json::Value,
    pub request_id: Option<String>,
}

pub async fn insert(db: &impl ConnectionTrait, e: NewAuditEntry) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_kind: Set(e.actor_kind),
        actor_id: Set(e.actor_id),
        actor_label: Set(e.actor_label),
        action: Set(e.action),
        entity_type: Set(e.entity_type),
        entity_id: Set(e.entity_id),
        changes: Set(e.changes),
        request_id: Set(e.request_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Filters for the audit log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    /// Recorded at or after.
    pub created_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Recorded before.
    pub created_before: Option<chrono::DateTime<chrono::Utc>>,
}

fn filtered(f: &AuditFilter) -> Select<audit_entry::Entity> {
    let mut q = audit_entry::Entity::find();
    if let Some(t) = &f.entity_type {
        q = q.filter(audit_entry::Column::EntityType.eq(t.as_str()));
    }
    if let Some(id) = f.entity_id {
        q = q.filter(audit_entry::Column::EntityId.eq(id));
    }
    if let Some(id) = f.actor_id {
        q = q.filter(audit_entry::Column::ActorId.eq(id));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_entry::Column::Action.eq(a.as_str()));
    }
    if let Some(t) = f.created_from {
        q = q.filter(audit_entry::Column::CreatedAt.gte(t));
    }
    if let Some(t) = f.created_before {
        q = q.filter(audit_entry::Column::CreatedAt.lt(t));
    }
    q
}

/// Newest first; `before` is the id of the last entry of the previous page.
/// A page newest first (or oldest first), continuing after the entry `after` (ids are
/// time-ordered, so by id is by when it was written).
pub async fn page(
    db: &impl ConnectionTrait,
    f: &AuditFilter,
    oldest_first: bool,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    use audit_entry::Column as C;
    let mut q = filtered(f);
    q = match (oldest_first, after) {
        (false, Some(a)) => q.filter(C::Id.lt(a)),
        (true, Some(a)) => q.filter(C::Id.gt(a)),
        (_, None) => q,
    };
    let q = if oldest_first { q.order_by_asc(C::Id) } else { q.order_by_desc(C::Id) };
    q.limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &AuditFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

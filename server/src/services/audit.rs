use sea_orm::ConnectionTrait;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::error::ServiceResult;
use crate::store::audit::{self, NewAuditEntry};

/// Writes one audit entry for the request's caller. Call it inside the change's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    meta: &RequestMeta,
    action: &str,
    entity_type: &str,
    entity_id: Option<Uuid>,
    changes: Value,
) -> ServiceResult<()> {
    let (actor_kind, actor_id, actor_label) = meta.principal.audit_actor();
    audit::insert(
        db,
        NewAuditEntry {
            actor_kind,
            actor_id,
            actor_label,
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id,
            changes,
            request_id: meta.request_id.clone(),
        },
    )
    .await?;
    Ok(())
}

/// `{"field": {"from": a, "to": b}}` for each pair that differs.
pub fn diff(pairs: Vec<(&str, Value, Value)>) -> Value {
    let mut map = serde_json::Map::new();
    for (name, from, to) in pairs {
        if from != to {
            map.insert(name.into(), serde_json::json!({ "from": from, "to": to }));
        }
    }
    Value::Object(map)
}

/// A page of the audit log, newest first, with the total matching the filter. Admins only.
pub async fn list(
    ctx: &crate::context::AppContext,
    meta: &RequestMeta,
    filter: &audit::AuditFilter,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<entities::audit_entry::Model>, u64)> {
    meta.principal.require_admin()?;
    let rows = audit::page(&ctx.db, filter, before, limit).await?;
    let total = audit::count(&ctx.db, filter).await?;
    Ok((rows, total))
}

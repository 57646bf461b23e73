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
    oldest_first: bool,
    after: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<entities::audit_entry::Model>, u64)> {
    meta.principal.require_admin()?;
    let rows = audit::page(&ctx.db, filter, oldest_first, after, limit).await?;
    let total = audit::count(&ctx.db, filter).await?;
    Ok((rows, total))
}

/// `base` with the days it was written in, as instants on NRP's clock (`to` inclusive; a range
/// that ends before it starts refused on `to_field`). Shared by the list and its CSV.
pub fn with_days(
    zone: chrono_tz::Tz,
    base: audit::AuditFilter,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    to_field: &str,
) -> ServiceResult<audit::AuditFilter> {
    let (created_from, created_before) = crate::domain::zones::day_range(zone, from, to, to_field)?;
    Ok(audit::AuditFilter { created_from, created_before, ..base })
}

/// The audit entries a list shows (same filter and order), as CSV for an auditor: at most
/// [`super::csv_out::MAX_ROWS`]; more is `BAD_USER_INPUT` asking for a narrower filter.
/// Admins only.
pub async fn list_csv(
    ctx: &crate::context::AppContext,
    meta: &RequestMeta,
    filter: &audit::AuditFilter,
    oldest_first: bool,
) -> ServiceResult<String> {
    let (rows, total) = list(ctx, meta, filter, oldest_first, None, super::csv_out::MAX_ROWS).await?;
    super::csv_out::fits(total, "entries", "dates, action")?;
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "entry_id",
        "recorded_at",
        "actor_kind",
        "actor",
        "actor_id",
        "action",
        "entity_type",
        "entity_id",
        "changes",
        "request_id",
    ])?;
    for e in &rows {
        w.row([
            e.id.to_string(),
            e.created_at.to_rfc3339(),
            super::leads::wire_name(&e.actor_kind),
            e.actor_label.clone(),
            e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
            e.action.clone(),
            e.entity_type.clone(),
            e.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            e.changes.to_string(),
            e.request_id.clone().unwrap_or_default(),
        ])?;
    }
    w.finish()
}

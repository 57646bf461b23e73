use async_graphql::{ID, Json, Object};
use chrono::{DateTime, Utc};
use entities::audit_entry;

use super::enums::ActorKind;
use crate::graphql::ids::to_id;

/// One audited change.
pub struct AuditEntry(pub audit_entry::Model);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn actor_kind(&self) -> ActorKind {
        self.0.actor_kind.into()
    }
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(to_id)
    }
    /// Who, in words: `admin admin@nrp.example`, `api key demo integration`, `system`.
    async fn actor_label(&self) -> &str {
        &self.0.actor_label
    }
    /// What happened, e.g. `contractor.verified`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(to_id)
    }
    /// The changed fields, as `{"field": {"from": …, "to": …}}` or the created values.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(self.0.changes.clone())
    }
    /// The `x-request-id` of the request that made the change.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

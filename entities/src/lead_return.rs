use sea_orm::entity::prelude::*;

use crate::{ReturnReason, ReturnStatus};

/// A lead a contractor handed back within 24 hours of winning it, and the admin's decision.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_returns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub job_id: Uuid,
    pub lead_id: Uuid,
    pub contractor_id: Uuid,
    pub reason: ReturnReason,
    /// The contractor's own words.
    pub note: String,
    pub status: ReturnStatus,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// The admin who decided.
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

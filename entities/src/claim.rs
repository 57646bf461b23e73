use sea_orm::entity::prelude::*;

use crate::ClaimStatus;

/// The insurer's claim for a lead's property. Amounts in AUD cents.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub lead_id: Uuid,
    /// The insurer partner; only it (and admins) update the claim.
    pub insurer_id: Uuid,
    pub claim_number: String,
    pub status: ClaimStatus,
    pub claimed_cents: i64,
    pub approved_cents: Option<i64>,
    pub excess_cents: i64,
    pub decision_note: Option<String>,
    pub lodged_at: DateTimeUtc,
    /// 10 business days after lodgement (General Insurance Code of Practice).
    pub decision_due_on: Date,
    /// The instant the decision date ends on the property's clock: overdue from then on.
    pub decision_due_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub settled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

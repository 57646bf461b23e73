use sea_orm::entity::prelude::*;

use crate::JobStatus;

/// The work a contractor does for a lead it won. One per lead.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub lead_id: Uuid,
    pub contractor_id: Uuid,
    /// The accepted offer, when the job came from one (manual assignment has none).
    pub offer_id: Option<Uuid>,
    pub status: JobStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// AUD cents.
    pub quote_cents: Option<i64>,
    /// AUD cents, set by an admin or the lead's insurer.
    pub approved_cents: Option<i64>,
    pub scheduled_for: Option<DateTimeUtc>,
    pub contacted_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub cancelled_reason: Option<String>,
    /// The customer's satisfaction, 1 to 5, once completed.
    pub satisfaction: Option<i32>,
    /// What the customer said with the rating (from the public rating page).
    pub satisfaction_comment: Option<String>,
    /// Who gave the score: `CUSTOMER` (their own link), or `NRP`/`PARTNER` on their behalf.
    pub satisfaction_by: Option<String>,
    /// When the customer must have been contacted (service level by urgency).
    pub contact_due_at: Option<DateTimeUtc>,
    /// When the job entered its current stage (idle-stage detection).
    pub stage_entered_at: Option<DateTimeUtc>,
    /// When the job was last flagged to admins as overdue.
    pub overdue_flagged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::job_event::Entity")]
    Event,
}

impl Related<super::job_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

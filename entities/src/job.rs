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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One run of the payout batch: who started it and what came of it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `ADMIN` or `SCHEDULE`.
    pub trigger: String,
    pub started_by: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub considered: i32,
    pub paid: i32,
    pub failed: i32,
    /// Left pending: held back by onboarding, or claimed by another batch.
    pub skipped: i32,
    /// Transfers whose outcome is not known yet (timeout); the next batch settles them.
    pub unresolved: i32,
    pub paid_cents: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

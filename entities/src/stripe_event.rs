use sea_orm::entity::prelude::*;

/// A Stripe webhook event already applied: its id makes a replay a no-op.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stripe_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub event_type: String,
    /// When Stripe created the event.
    pub created: DateTimeUtc,
    pub received_at: DateTimeUtc,
    /// What applying it did, for the admins' reading.
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

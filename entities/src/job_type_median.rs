use sea_orm::entity::prelude::*;

use crate::DamageType;

/// The network's median time from acceptance to completion for one damage type, over the
/// score's window: what the cycle-time term measures each job against.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_type_medians")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub damage_type: DamageType,
    pub median_secs: i64,
    /// How many completed jobs the median was taken over.
    pub jobs: i32,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

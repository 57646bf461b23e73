use sea_orm::entity::prelude::*;

use crate::NotificationChannel;

/// A phone number or email that asked to hear nothing more from NRP (Spam Act): no customer
/// message goes to it again.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "opt_outs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub channel: NotificationChannel,
    pub destination: String,
    /// How it was asked for: `LINK`, `REPLY` or `ADMIN`.
    pub via: String,
    /// The lead whose message it answered, if any.
    pub lead_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

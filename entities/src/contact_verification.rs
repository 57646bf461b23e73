use sea_orm::entity::prelude::*;

use crate::NotificationChannel;

/// A one-time code sent to a phone or an email to prove it reaches its login. Only the code's
/// SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_verifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub channel: NotificationChannel,
    pub destination: String,
    pub code_hash: String,
    /// Wrong codes tried against it; it is spent after a few.
    pub attempts: i32,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

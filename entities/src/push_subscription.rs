use sea_orm::entity::prelude::*;

/// One browser or installed app that receives a login's Web Push notifications (RFC 8030): the
/// push service's endpoint and the keys its messages are encrypted to (RFC 8291).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "push_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(unique)]
    pub endpoint: String,
    /// The device's P-256 public key, base64url (65 bytes uncompressed).
    pub p256dh: String,
    /// The device's authentication secret, base64url (16 bytes).
    pub auth: String,
    /// What the user calls the device ("Pixel 8").
    pub label: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

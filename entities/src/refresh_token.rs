use sea_orm::entity::prelude::*;

/// A rotating refresh token. Only its SHA-256 is stored; `family_id` ties every rotation of one
/// login together so that reuse of a revoked token can revoke the whole family.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// Set when the token was retired by rotation (not by logout or reuse detection): redeeming
    /// it again shortly after is a retry, not a theft.
    pub rotated_at: Option<DateTimeUtc>,
    /// Set when the rotated token was redeemed once more within the grace window (allowed once).
    pub grace_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

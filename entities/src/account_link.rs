use sea_orm::entity::prelude::*;

use crate::LinkPurpose;

/// A single-use link NRP emailed to a login (reset a password, prove an email, accept an
/// invitation). Only the token's SHA-256 is kept; `email` is the address it was sent to (for a
/// verification, the address it proves).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "account_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: LinkPurpose,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub email: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when used, or when a newer link of the same purpose replaced it.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A login's TOTP second factor (RFC 6238: SHA-1, six digits, 30-second steps). `secret` is the
/// base32 key, sealed under the configured keys; it takes effect once `confirmed_at` is set (a
/// first code came back). `last_step` is the newest step a code was accepted for: a code is
/// never accepted twice, nor one older than it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "second_factors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub secret: String,
    pub confirmed_at: Option<DateTimeUtc>,
    pub last_step: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

use crate::PartnerKind;

/// An insurer or lead source that talks to NRP through the API.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: PartnerKind,
    pub webhook_url: Option<String>,
    /// Signs webhook deliveries (HMAC-SHA256); set with the URL.
    pub webhook_secret: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

use crate::OfferStatus;

/// A lead offered to one contractor, open until it is accepted, declined, taken or expires.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub lead_id: Uuid,
    pub contractor_id: Uuid,
    pub status: OfferStatus,
    /// 1 for the best candidate of the routing run that made this offer.
    pub rank: i32,
    pub score: f64,
    /// The score terms, as shown to the contractor.
    pub terms: Json,
    pub distance_km: Option<f64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub responded_at: Option<DateTimeUtc>,
    /// When the contractor first opened the offer in the app.
    pub seen_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

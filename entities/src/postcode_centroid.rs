use sea_orm::entity::prelude::*;

/// The centroid of a postcode: the mean of its localities' points, derived on import.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postcode_centroids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub postcode: String,
    pub state: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

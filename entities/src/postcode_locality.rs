use sea_orm::entity::prelude::*;

/// One suburb of a postcode with its centroid, as imported from the reference CSV.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "postcode_localities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub postcode: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub suburb: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub state: String,
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

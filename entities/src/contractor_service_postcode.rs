use sea_orm::entity::prelude::*;

/// A postcode a contractor explicitly serves, whatever its distance from the base.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contractor_service_postcodes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contractor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub postcode: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contractor::Entity",
        from = "Column::ContractorId",
        to = "super::contractor::Column::Id",
        on_delete = "Cascade"
    )]
    Contractor,
}

impl Related<super::contractor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contractor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

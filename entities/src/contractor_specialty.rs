use sea_orm::entity::prelude::*;

use crate::DamageType;

/// One damage type a contractor handles.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contractor_specialties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contractor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub damage_type: DamageType,
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

use sea_orm::entity::prelude::*;

/// A map cell (half a degree square) that a contractor's service radius touches: routing reads
/// the contractors listed under a lead's cell, and checks each one's real distance.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contractor_cells")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub cell: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contractor_id: Uuid,
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

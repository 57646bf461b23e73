use sea_orm::entity::prelude::*;

/// A licence or certificate a contractor holds (IICRC, builder's licence, ...).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "certifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contractor_id: Uuid,
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub expires_on: Option<Date>,
    pub created_at: DateTimeUtc,
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

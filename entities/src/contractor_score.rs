use sea_orm::entity::prelude::*;

/// A contractor's performance score as last computed on one local day, with its terms (JSON):
/// the trend the contractor sees in "How NRP scores you".
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contractor_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contractor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub score: f64,
    #[sea_orm(column_type = "Text")]
    pub terms: String,
    pub computed_at: DateTimeUtc,
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

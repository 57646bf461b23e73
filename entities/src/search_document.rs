use sea_orm::entity::prelude::*;

/// One searchable thing (a lead, job, claim or contractor): the text it is found by and the
/// columns that decide who may find it. Written by the server with the change it describes.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "search_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// `LEAD`, `JOB`, `CLAIM` or `CONTRACTOR`.
    pub kind: String,
    pub entity_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub insurer_id: Option<Uuid>,
    pub source_partner_id: Option<Uuid>,
    pub contractor_id: Option<Uuid>,
    /// Lower-case words: names, emails, addresses, claim numbers, company names.
    pub body: String,
    /// Phone numbers (national form, digits only) and ABNs, space-separated.
    pub digits: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

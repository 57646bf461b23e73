use sea_orm::entity::prelude::*;

use crate::{DamageType, LeadSource, LeadStatus, Urgency};

/// A damaged property sent in for a contractor. Customer fields are personal information.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub status: LeadStatus,
    pub customer_name: String,
    /// E.164.
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub address: String,
    pub suburb: String,
    pub state: String,
    pub postcode: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub damage_type: DamageType,
    pub urgency: Urgency,
    pub estimated_value_cents: Option<i64>,
    /// The insurer partner whose claim this is.
    pub insurer_id: Option<Uuid>,
    pub claim_number: Option<String>,
    pub source: LeadSource,
    /// The partner that sent the lead in, when a partner did.
    pub source_partner_id: Option<Uuid>,
    pub description: String,
    /// For a `DUPLICATE`: the first lead of the same customer, place and damage.
    pub duplicate_of: Option<Uuid>,
    pub assigned_contractor_id: Option<Uuid>,
    /// The latest routing explanation: ranked candidates and excluded contractors.
    pub routing: Option<Json>,
    /// Bumped by every change to the lead's offers: the row lock that serialises them.
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub first_offered_at: Option<DateTimeUtc>,
    pub assigned_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

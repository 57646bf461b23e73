use sea_orm::entity::prelude::*;

use crate::ContractorStatus;

/// A contractor company in the network.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contractors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub company_name: String,
    /// 11 digits, no spaces.
    #[sea_orm(unique)]
    pub abn: String,
    pub contact_name: String,
    pub email: String,
    /// E.164.
    pub phone: String,
    /// 4 digits, zero-padded.
    pub base_postcode: String,
    pub service_radius_km: i32,
    pub max_active_jobs: i32,
    pub daily_lead_cap: Option<i32>,
    pub commission_bps: Option<i32>,
    pub stripe_account_id: Option<String>,
    /// Stripe says the connected account can receive payouts (from `account.updated`).
    pub stripe_payouts_enabled: bool,
    pub stripe_details_submitted: bool,
    /// What Stripe still needs from the contractor, comma-separated (`requirements.currently_due`).
    pub stripe_requirements: Option<String>,
    /// The connected account's last bank payout failure, if its latest payout failed.
    pub stripe_payout_failure: Option<String>,
    /// When the Stripe event last applied to this contractor was created (older ones are ignored).
    pub stripe_synced_at: Option<DateTimeUtc>,
    pub status: ContractorStatus,
    pub status_reason: Option<String>,
    pub paused_until: Option<DateTimeUtc>,
    pub performance_score: f64,
    pub avg_response_secs: Option<i64>,
    pub acceptance_rate: Option<f64>,
    pub avg_rating: Option<f64>,
    pub rating_count: i32,
    pub active_jobs: i32,
    /// Offers that reached a decision (accepted, declined or expired): the acceptance-rate base.
    pub offers_decided: i32,
    pub offers_accepted: i32,
    /// Offers the contractor answered (accepted or declined), and the seconds those answers took.
    pub responses: i32,
    pub response_secs_total: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub verified_at: Option<DateTimeUtc>,
    /// The centre of the base postcode, copied when the contractor is placed on the map.
    pub base_latitude: Option<f64>,
    pub base_longitude: Option<f64>,
    /// The service radius it was placed on the map with; `None` until placed.
    pub placed_radius_km: Option<i32>,
    /// An admin's adjustment to the earned performance score (−0.5 to 0.5), with its reason.
    pub score_adjustment: f64,
    pub score_adjustment_reason: Option<String>,
    pub score_adjusted_at: Option<DateTimeUtc>,
    /// When the performance score was last computed from the record.
    pub score_computed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::contractor_specialty::Entity")]
    Specialty,
    #[sea_orm(has_many = "super::contractor_service_postcode::Entity")]
    ServicePostcode,
    #[sea_orm(has_many = "super::certification::Entity")]
    Certification,
}

impl Related<super::contractor_specialty::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Specialty.def()
    }
}

impl Related<super::contractor_service_postcode::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServicePostcode.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

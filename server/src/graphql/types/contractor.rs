use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{certification, contractor};

use super::enums::{ContractorStatus, DamageType};
use super::{loaders, meta};
use crate::access::records::may_see_terms;
use crate::domain::Abn;
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;
use crate::services::contractors::is_paused;

/// A contractor company in the network.
pub struct Contractor(pub contractor::Model);

#[Object]
impl Contractor {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn company_name(&self) -> &str {
        &self.0.company_name
    }
    /// Formatted the ATO way: `51 824 753 556`.
    async fn abn(&self) -> String {
        Abn::formatted(&self.0.abn)
    }
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// E.164, e.g. `+61412345678`.
    async fn phone(&self) -> &str {
        &self.0.phone
    }
    async fn base_postcode(&self) -> &str {
        &self.0.base_postcode
    }
    async fn service_radius_km(&self) -> i32 {
        self.0.service_radius_km
    }
    /// Postcodes served whatever their distance from the base.
    async fn service_postcodes(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let found = loaders(ctx).service_postcodes.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default())
    }
    async fn specialties(&self, ctx: &Context<'_>) -> Result<Vec<DamageType>> {
        let found = loaders(ctx).specialties.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(Into::into).collect())
    }
    async fn max_active_jobs(&self) -> i32 {
        self.0.max_active_jobs
    }
    async fn daily_lead_cap(&self) -> Option<i32> {
        self.0.daily_lead_cap
    }
    /// The commission override in basis points (1500 = 15%); null means the network default.
    async fn commission_bps(&self, ctx: &Context<'_>) -> Option<i32> {
        may_see_terms(&meta(ctx).principal, self.0.id).then_some(self.0.commission_bps).flatten()
    }
    /// Stripe Connect payouts: whether the account exists, can be paid, and what Stripe still
    /// needs (the contractor and admins only; null for others).
    async fn stripe(&self, ctx: &Context<'_>) -> Option<StripeAccountState> {
        may_see_terms(&meta(ctx).principal, self.0.id).then(|| StripeAccountState {
            account_id: self.0.stripe_account_id.clone(),
            payouts_enabled: self.0.stripe_payouts_enabled,
            details_submitted: self.0.stripe_details_submitted,
            requirements_due: self
                .0
                .stripe_requirements
                .as_deref()
                .map(|r| r.split(',').map(String::from).collect())
                .unwrap_or_default(),
            synced_at: self.0.stripe_synced_at,
        })
    }
    #[graphql(complexity = "crate::graphql::ids::rows_cost(10, child_complexity)")]
    async fn certifications(&self, ctx: &Context<'_>) -> Result<Vec<Certification>> {
        let found = loaders(ctx).certifications.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(Certification).collect())
    }
    async fn status(&self) -> ContractorStatus {
        self.0.status.into()
    }
    /// Why the contractor was suspended, when it was.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    async fn paused_until(&self) -> Option<DateTime<Utc>> {
        self.0.paused_until
    }
    /// True while a self-imposed pause is in force; offers resume by themselves after it.
    async fn is_paused(&self) -> bool {
        is_paused(&self.0, Utc::now())
    }
    /// 0 to 1.
    async fn performance_score(&self) -> f64 {
        self.0.performance_score
    }
    async fn avg_response_seconds(&self) -> Option<i64> {
        self.0.avg_response_secs
    }
    /// 0 to 1.
    async fn acceptance_rate(&self) -> Option<f64> {
        self.0.acceptance_rate
    }
    /// 1 to 5.
    async fn avg_rating(&self) -> Option<f64> {
        self.0.avg_rating
    }
    async fn rating_count(&self) -> i32 {
        self.0.rating_count
    }
    async fn active_jobs(&self) -> i32 {
        self.0.active_jobs
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.verified_at
    }
}

/// A licence or certificate; an expired one stops offers.
pub struct Certification(pub certification::Model);

#[Object]
impl Certification {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn number(&self) -> &str {
        &self.0.number
    }
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    async fn expires_on(&self) -> Option<NaiveDate> {
        self.0.expires_on
    }
    /// Past its expiry date on the company's clock (good through the date itself).
    async fn expired(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(d) = self.0.expires_on else { return Ok(false) };
        let found = loaders(ctx).contractors.load_one(self.0.contractor_id).await.map_err(loader_error).gql()?;
        let zone = found
            .map(|c| crate::domain::zones::zone_of_postcode(&c.base_postcode))
            .unwrap_or(chrono_tz::Australia::Sydney);
        Ok(d < crate::domain::zones::local_date(Utc::now(), zone))
    }
}

/// A contractor's Stripe Connect (Express) account, as Stripe last reported it.
#[derive(async_graphql::SimpleObject)]
pub struct StripeAccountState {
    /// `acct_…`; null until the contractor first asks for an onboarding link.
    pub account_id: Option<String>,
    /// Payouts are transferred only when this is true.
    pub payouts_enabled: bool,
    pub details_submitted: bool,
    /// What Stripe still needs (`requirements.currently_due`), e.g. `external_account`.
    pub requirements_due: Vec<String>,
    /// When Stripe's last account update was created.
    pub synced_at: Option<DateTime<Utc>>,
}

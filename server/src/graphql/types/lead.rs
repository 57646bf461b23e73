use crate::graphql::types::money::Money;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::lead;

use super::contractor::Contractor;
use super::enums::{DamageType, ExclusionReason, LeadSource, LeadStatus, PointSource, Urgency};
use super::job::Job;
use super::offer::{Offer, ScoreTerms};
use super::partner::Partner;
use super::{app, loaders, meta};
use crate::events::{LeadSummary, LeadUpdate, OfferSnapshot};
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;
use crate::services;
use crate::services::routing::Explanation;

/// A damaged property sent in for a contractor. Readable by admins, the partner that sent it in
/// or insures it, and the contractor it is assigned to (who then sees the customer's details).
pub struct Lead(pub lead::Model);

/// The customer: personal information.
#[derive(SimpleObject)]
pub struct Customer {
    pub name: String,
    /// E.164.
    pub phone: String,
    pub email: Option<String>,
}

/// The damaged property.
#[derive(SimpleObject)]
pub struct Property {
    pub address: String,
    pub suburb: String,
    pub state: String,
    pub postcode: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[Object]
impl Lead {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn status(&self) -> LeadStatus {
        self.0.status.into()
    }
    async fn customer(&self) -> Customer {
        Customer {
            name: self.0.customer_name.clone(),
            phone: self.0.customer_phone.clone(),
            email: self.0.customer_email.clone(),
        }
    }
    async fn property(&self) -> Property {
        Property {
            address: self.0.address.clone(),
            suburb: self.0.suburb.clone(),
            state: self.0.state.clone(),
            postcode: self.0.postcode.clone(),
            latitude: self.0.latitude,
            longitude: self.0.longitude,
        }
    }
    async fn damage_type(&self) -> DamageType {
        self.0.damage_type.into()
    }
    async fn urgency(&self) -> Urgency {
        self.0.urgency.into()
    }
    async fn estimated_value_cents(&self) -> Option<Money> {
        self.0.estimated_value_cents.map(Money)
    }
    async fn claim_number(&self) -> Option<&str> {
        self.0.claim_number.as_deref()
    }
    async fn insurer(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        let Some(id) = self.0.insurer_id else { return Ok(None) };
        Ok(loaders(ctx).partners.load_one(id).await.map_err(loader_error).gql()?.map(Partner))
    }
    async fn source(&self) -> LeadSource {
        self.0.source.into()
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// For a `DUPLICATE`: the first lead for the same customer, postcode and damage (shown only
    /// to those who may read that lead).
    async fn duplicate_of(&self, ctx: &Context<'_>) -> Result<Option<ID>> {
        let Some(id) = self.0.duplicate_of else { return Ok(None) };
        let original = loaders(ctx).leads.load_one(id).await.map_err(loader_error).gql()?;
        let readable = original.is_some_and(|o| crate::access::records::may_read_lead(&super::meta(ctx).principal, &o));
        Ok(readable.then(|| to_id(id)))
    }
    async fn assigned_contractor(&self, ctx: &Context<'_>) -> Result<Option<Contractor>> {
        let Some(id) = self.0.assigned_contractor_id else { return Ok(None) };
        let found = loaders(ctx).contractors.load_one(id).await.map_err(loader_error).gql()?;
        Ok(found.map(Contractor))
    }
    /// Every offer made for this lead, oldest first (admins).
    #[graphql(complexity = "crate::graphql::ids::rows_cost(10, child_complexity)")]
    async fn offers(&self, ctx: &Context<'_>) -> Result<Vec<Offer>> {
        meta(ctx).principal.require_admin().gql()?;
        let found = loaders(ctx).offers_by_lead.load_one(self.0.id).await.map_err(loader_error).gql()?;
        let summary = LeadSummary::from(&self.0);
        Ok(found.unwrap_or_default().iter().map(|o| Offer(OfferSnapshot::new(o, &summary))).collect())
    }
    /// Why routing chose whom it chose (admins): ranked candidates with their score terms, and
    /// excluded contractors with the reason.
    async fn routing(&self, ctx: &Context<'_>) -> Result<Option<RoutingExplanation>> {
        meta(ctx).principal.require_admin().gql()?;
        Ok(self.0.routing.clone().and_then(|v| serde_json::from_value::<Explanation>(v).ok()).map(RoutingExplanation))
    }
    /// The insurer's claim for this lead, if one is lodged.
    async fn claim(&self, ctx: &Context<'_>) -> Result<Option<super::claim::Claim>> {
        let found = loaders(ctx).claim_by_lead.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found
            .filter(|c| crate::access::records::may_read_claim(&meta(ctx).principal, c, &self.0))
            .map(super::claim::Claim))
    }
    /// The job, once the lead is assigned (the latest, if one was cancelled).
    async fn job(&self, ctx: &Context<'_>) -> Result<Option<Job>> {
        Ok(loaders(ctx).job_by_lead.load_one(self.0.id).await.map_err(loader_error).gql()?.map(Job))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn first_offered_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_offered_at
    }
    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        self.0.assigned_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

/// The latest routing run of a lead.
pub struct RoutingExplanation(pub Explanation);

#[Object]
impl RoutingExplanation {
    async fn ran_at(&self) -> DateTime<Utc> {
        self.0.ran_at
    }
    async fn point_source(&self) -> PointSource {
        self.0.point_source.into()
    }
    async fn latitude(&self) -> Option<f64> {
        self.0.point.map(|p| p.lat)
    }
    async fn longitude(&self) -> Option<f64> {
        self.0.point.map(|p| p.lon)
    }
    async fn wave_size(&self) -> i32 {
        self.0.wave_size as i32
    }
    /// How many contractors qualified in this run.
    async fn candidate_count(&self) -> i32 {
        self.0.candidate_count as i32
    }
    /// Qualified contractors, best first (the first 50).
    #[graphql(complexity = "crate::graphql::ids::rows_cost(20, child_complexity)")]
    async fn candidates(&self) -> Vec<RankedCandidate> {
        self.0
            .ranked
            .iter()
            .map(|r| RankedCandidate {
                rank: r.rank as i32,
                contractor_id: to_id(r.candidate.contractor_id),
                company_name: r.candidate.company_name.clone(),
                score: r.candidate.score,
                terms: ScoreTerms::from(r.candidate.terms),
                distance_km: r.candidate.distance_km,
                offers_last_24h: r.candidate.offers_last_24h as i32,
                offered: r.offered,
            })
            .collect()
    }
    /// Contractors that did not qualify, nearest first (the first 200; `excludedCounts` counts all).
    #[graphql(complexity = "crate::graphql::ids::rows_cost(200, child_complexity)")]
    async fn excluded(&self) -> Vec<ExcludedContractor> {
        self.0
            .excluded
            .iter()
            .map(|e| ExcludedContractor {
                contractor_id: to_id(e.contractor_id),
                company_name: e.company_name.clone(),
                reason: e.reason.into(),
                distance_km: e.distance_km,
            })
            .collect()
    }
    #[graphql(complexity = "crate::graphql::ids::rows_cost(8, child_complexity)")]
    async fn excluded_counts(&self) -> Vec<ExclusionCount> {
        self.0
            .excluded_counts
            .iter()
            .map(|(reason, count)| ExclusionCount { reason: reason.clone(), count: *count as i32 })
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct RankedCandidate {
    pub rank: i32,
    pub contractor_id: ID,
    pub company_name: String,
    pub score: f64,
    pub terms: ScoreTerms,
    pub distance_km: Option<f64>,
    pub offers_last_24h: i32,
    /// Whether this run made this contractor an offer.
    pub offered: bool,
}

#[derive(SimpleObject)]
pub struct ExcludedContractor {
    pub contractor_id: ID,
    pub company_name: String,
    pub reason: ExclusionReason,
    pub distance_km: Option<f64>,
}

#[derive(SimpleObject)]
pub struct ExclusionCount {
    /// An `ExclusionReason` value.
    pub reason: String,
    pub count: i32,
}

/// The result of winning a lead: the lead (now with the customer's details) and the new job.
#[derive(SimpleObject)]
pub struct AcceptOfferPayload {
    pub lead: Lead,
    pub job: Job,
}

/// A lead changed status (admins: every lead, including the unassigned queue; partners: theirs).
pub struct LeadUpdateEvent(pub LeadUpdate);

#[Object]
impl LeadUpdateEvent {
    async fn lead_id(&self) -> ID {
        to_id(self.0.lead_id)
    }
    async fn status(&self) -> LeadStatus {
        self.0.status.into()
    }
    async fn previous_status(&self) -> Option<LeadStatus> {
        self.0.previous.map(Into::into)
    }
    async fn assigned_contractor_id(&self) -> Option<ID> {
        self.0.assigned_contractor_id.map(to_id)
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The lead as it is now.
    async fn lead(&self, ctx: &Context<'_>) -> Result<Lead> {
        services::leads::get(app(ctx), meta(ctx), self.0.lead_id).await.gql().map(Lead)
    }
}

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::domain::{AtField, Email, FieldErrors, Phone, Postcode, optional_text, required_text};
use crate::error::ServiceError;
use crate::events::{LeadSummary, OfferSnapshot};
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::enums::{DamageType, Urgency};
use crate::graphql::types::job::Job;
use crate::graphql::types::lead::{AcceptOfferPayload, Lead};
use crate::graphql::types::money::Money;
use crate::graphql::types::offer::Offer;
use crate::graphql::types::{app, meta};
use crate::services::{self, leads::LeadInput};

#[derive(Default)]
pub struct LeadMutation;

#[derive(InputObject)]
pub struct CustomerInput {
    pub name: String,
    /// Australian, e.g. `0412 345 678`.
    pub phone: String,
    pub email: Option<String>,
}

#[derive(InputObject)]
pub struct PropertyInput {
    pub address: String,
    pub suburb: String,
    /// `NSW`, `VIC`, `QLD`, `SA`, `WA`, `TAS`, `NT` or `ACT`.
    pub state: String,
    /// 4 digits.
    pub postcode: String,
    /// Both or neither; without them routing uses the postcode's centroid.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A damaged property sent in by a partner or an NRP admin.
#[derive(InputObject)]
pub struct CreateLeadInput {
    pub customer: CustomerInput,
    pub property: PropertyInput,
    pub damage_type: DamageType,
    /// Default `MEDIUM`.
    pub urgency: Option<Urgency>,
    /// AUD cents.
    pub estimated_value_cents: Option<Money>,
    /// The insurer's claim number; one lead per claim and insurer.
    pub claim_number: Option<String>,
    /// The insurer partner, when the caller is not the insurer itself.
    pub insurer: Option<ID>,
    pub description: String,
}

const STATES: [&str; 8] = ["ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"];
/// A$100 million: far above any property job, far below overflow.
const MAX_VALUE_CENTS: i64 = 10_000_000_000;

impl CreateLeadInput {
    fn parse(self) -> Result<LeadInput, ServiceError> {
        let mut e = FieldErrors::default();
        let name = e.check(required_text(&self.customer.name, "customer name", 200).at("input.customer.name"));
        let phone = e.check(Phone::parse(&self.customer.phone).at("input.customer.phone"));
        let email = match self.customer.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(v) => e.check(Email::parse(v).at("input.customer.email")).map(Some),
            None => Some(None),
        };
        let p = &self.property;
        let address = e.check(required_text(&p.address, "address", 300).at("input.property.address"));
        let suburb = e.check(required_text(&p.suburb, "suburb", 100).at("input.property.suburb"));
        let state = p.state.trim().to_ascii_uppercase();
        if !STATES.contains(&state.as_str()) {
            e.push("input.property.state", format!("state must be one of {}", STATES.join(", ")));
        }
        let postcode = e.check(Postcode::parse(&p.postcode).at("input.property.postcode"));
        let coordinates = match (p.latitude, p.longitude) {
            (None, None) => None,
            (Some(lat), Some(lon)) => {
                if !(-56.0..=-9.0).contains(&lat) {
                    e.push("input.property.latitude", "latitude must be within Australia (-56 to -9)");
                }
                if !(72.0..=169.0).contains(&lon) {
                    e.push("input.property.longitude", "longitude must be within Australia (72 to 169)");
                }
                Some((lat, lon))
            }
            (Some(_), None) => {
                e.push("input.property.longitude", "give both latitude and longitude, or neither");
                None
            }
            (None, Some(_)) => {
                e.push("input.property.latitude", "give both latitude and longitude, or neither");
                None
            }
        };
        if let Some(Money(v)) = self.estimated_value_cents
            && !(0..=MAX_VALUE_CENTS).contains(&v)
        {
            e.push("input.estimatedValueCents", "the estimated value must be between 0 and 10,000,000,000 cents");
        }
        let claim_number =
            e.check(optional_text(self.claim_number.as_deref(), "claim number", 100).at("input.claimNumber"));
        let insurer_id = match &self.insurer {
            Some(id) => match parse_id(id, "input.insurer") {
                Ok(v) => Some(Some(v)),
                Err(_) => {
                    e.push("input.insurer", "not a valid ID");
                    None
                }
            },
            None => Some(None),
        };
        let description = e.check(required_text(&self.description, "description", 5000).at("input.description"));
        e.finish().map_err(ServiceError::InvalidInput)?;
        match (name, phone, email, address, suburb, postcode, claim_number, insurer_id, description) {
            (
                Some(name),
                Some(phone),
                Some(email),
                Some(address),
                Some(suburb),
                Some(postcode),
                Some(claim_number),
                Some(insurer_id),
                Some(description),
            ) => Ok(LeadInput {
                customer_name: name,
                customer_phone: phone,
                customer_email: email,
                address,
                suburb,
                state,
                postcode,
                coordinates,
                damage_type: self.damage_type.into(),
                urgency: self.urgency.map(Into::into).unwrap_or(entities::Urgency::Medium),
                estimated_value_cents: self.estimated_value_cents.map(|m| m.0),
                claim_number,
                insurer_id,
                description,
            }),
            _ => Err(ServiceError::Internal(anyhow::anyhow!("lead parse produced no value and no error"))),
        }
    }
}

#[Object]
impl LeadMutation {
    /// Partners (API key) and admins send in a lead. It is routed as soon as it is stored: the
    /// returned status is `OFFERING` (offers are out), `UNASSIGNED` (nobody qualifies; the admin
    /// queue), or `DUPLICATE` (same customer phone, postcode and damage within 72 hours).
    async fn create_lead(&self, ctx: &Context<'_>, input: CreateLeadInput) -> Result<Lead> {
        meta(ctx).principal.require_authenticated().gql()?;
        let input = input.parse().gql()?;
        services::leads::create(app(ctx), meta(ctx), input).await.gql().map(Lead)
    }

    /// Accepts one of your offers. The first accept wins, exactly once; accepting an offer that is
    /// no longer open is a `CONFLICT` saying what happened to it.
    async fn accept_offer(&self, ctx: &Context<'_>, offer_id: ID) -> Result<AcceptOfferPayload> {
        let id = parse_id(&offer_id, "offerId").gql()?;
        let won = services::offers::accept(app(ctx), meta(ctx), id).await.gql()?;
        Ok(AcceptOfferPayload { lead: Lead(won.lead), job: Job(won.job) })
    }

    /// Declines one of your offers; the next candidate gets one at once.
    async fn decline_offer(&self, ctx: &Context<'_>, offer_id: ID, reason: Option<String>) -> Result<Offer> {
        let id = parse_id(&offer_id, "offerId").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        let app = app(ctx);
        let o = services::offers::decline(app, meta(ctx), id, reason).await.gql()?;
        let l = services::leads::get(app, &crate::auth::RequestMeta::system(), o.lead_id).await.gql()?;
        Ok(Offer(OfferSnapshot::new(&o, &LeadSummary::from(&l))))
    }

    /// Admin: gives a lead to a contractor directly; open offers are withdrawn.
    async fn assign_lead(&self, ctx: &Context<'_>, lead_id: ID, contractor_id: ID) -> Result<AcceptOfferPayload> {
        let lead_id = parse_id(&lead_id, "leadId").gql()?;
        let contractor_id = parse_id(&contractor_id, "contractorId").gql()?;
        let done = services::offers::assign(app(ctx), meta(ctx), lead_id, contractor_id).await.gql()?;
        Ok(AcceptOfferPayload { lead: Lead(done.lead), job: Job(done.job) })
    }

    /// Admin: runs routing again (contractors offered before are not offered again).
    async fn reroute_lead(&self, ctx: &Context<'_>, lead_id: ID) -> Result<Lead> {
        let lead_id = parse_id(&lead_id, "leadId").gql()?;
        services::offers::reroute(app(ctx), meta(ctx), lead_id).await.gql().map(Lead)
    }

    /// Admin: releases a lead wrongly held as a `DUPLICATE` into routing (`DUPLICATE → NEW`, then
    /// offered at once), with the reason (required, on `reason`). Audited. `CONFLICT` for a lead
    /// that is not a duplicate.
    async fn release_duplicate(&self, ctx: &Context<'_>, lead_id: ID, reason: String) -> Result<Lead> {
        let lead_id = parse_id(&lead_id, "leadId").gql()?;
        let reason = crate::domain::required_text(&reason, "a reason", 500)
            .map_err(|m| ServiceError::validation("reason", m))
            .gql()?;
        services::offers::release_duplicate(app(ctx), meta(ctx), lead_id, reason).await.gql().map(Lead)
    }

    /// Admin: cancels a lead nobody works on yet; open offers are withdrawn.
    async fn cancel_lead(&self, ctx: &Context<'_>, lead_id: ID, reason: Option<String>) -> Result<Lead> {
        let lead_id = parse_id(&lead_id, "leadId").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::offers::cancel(app(ctx), meta(ctx), lead_id, reason).await.gql().map(Lead)
    }
}

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::domain::{AtField, optional_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::claim::Claim;
use crate::graphql::types::enums::ClaimStatus;
use crate::graphql::types::money::Money;
use crate::graphql::types::{app, meta};
use crate::services::{self, claims::ClaimChange, claims::Lodgement};

#[derive(Default)]
pub struct ClaimMutation;

/// A claim for a lead, lodged by the lead's insurer or an admin.
#[derive(InputObject)]
pub struct CreateClaimInput {
    pub lead_id: ID,
    /// Defaults to the lead's claim number.
    pub claim_number: Option<String>,
    /// AUD cents.
    pub claimed_cents: Money,
    /// AUD cents; default 0.
    pub excess_cents: Option<Money>,
}

/// A change by the claim's insurer (or an admin).
#[derive(InputObject)]
pub struct UpdateClaimInput {
    pub claim_id: ID,
    /// The next status; `allowedTransitions` lists the choices.
    pub status: Option<ClaimStatus>,
    /// With `PARTIALLY_APPROVED`: the amount approved (less than claimed).
    pub approved_cents: Option<Money>,
    pub excess_cents: Option<Money>,
    /// The reasons for a decision, shown to NRP and the contractor.
    pub note: Option<String>,
}

#[Object]
impl ClaimMutation {
    /// Lodges the claim for a lead (one per lead). The decision is due 10 business days later.
    async fn create_claim(&self, ctx: &Context<'_>, input: CreateClaimInput) -> Result<Claim> {
        let lead_id = parse_id(&input.lead_id, "input.leadId").gql()?;
        let claim_number = optional_text(input.claim_number.as_deref(), "claim number", 100)
            .at("input.claimNumber")
            .map_err(ServiceError::from)
            .gql()?;
        let n = Lodgement {
            lead_id,
            claim_number,
            claimed_cents: input.claimed_cents.0,
            excess_cents: input.excess_cents.map_or(0, |m| m.0),
        };
        services::claims::lodge(app(ctx), meta(ctx), n).await.gql().map(Claim)
    }

    /// Moves a claim on or corrects its amounts (its insurer or an admin). An illegal move is
    /// `BAD_USER_INPUT` naming the allowed ones.
    async fn update_claim(&self, ctx: &Context<'_>, input: UpdateClaimInput) -> Result<Claim> {
        let id = parse_id(&input.claim_id, "input.claimId").gql()?;
        let note =
            optional_text(input.note.as_deref(), "note", 2000).at("input.note").map_err(ServiceError::from).gql()?;
        let ch = ClaimChange {
            status: input.status.map(Into::into),
            approved_cents: input.approved_cents.map(|m| m.0),
            excess_cents: input.excess_cents.map(|m| m.0),
            note,
        };
        services::claims::update(app(ctx), meta(ctx), id, ch).await.gql().map(Claim)
    }
}

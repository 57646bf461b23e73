use async_graphql::{Context, ID, Object, Result};

use crate::domain::{AtField, optional_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::payout::{Payout, PayoutBatch, StripeOnboardingLink};
use crate::graphql::types::{app, meta};
use crate::services;

#[derive(Default)]
pub struct PayoutMutation;

#[Object]
impl PayoutMutation {
    /// Admin: stops a pending (or failed) payout from being paid until released.
    async fn hold_payout(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<Payout> {
        let id = parse_id(&id, "id").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::payouts::set_hold(app(ctx), meta(ctx), id, true, reason).await.gql().map(Payout)
    }

    /// Admin: releases a held payout back to pending.
    async fn release_payout(&self, ctx: &Context<'_>, id: ID) -> Result<Payout> {
        let id = parse_id(&id, "id").gql()?;
        services::payouts::set_hold(app(ctx), meta(ctx), id, false, None).await.gql().map(Payout)
    }

    /// Admin: transfers every payable payout now (or only `payoutIds`) through Stripe Connect.
    /// Each payout goes `PENDING → PROCESSING → PAID | FAILED`; one whose answer is lost stays
    /// `PROCESSING` and the next batch settles it without paying twice. Payouts of contractors
    /// without payouts enabled are skipped and say why. `CONFLICT` when no provider is configured.
    async fn run_payout_batch(&self, ctx: &Context<'_>, payout_ids: Option<Vec<ID>>) -> Result<PayoutBatch> {
        let ids = payout_ids
            .map(|ids| {
                ids.iter()
                    .enumerate()
                    .map(|(i, id)| parse_id(id, &format!("payoutIds.{i}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .gql()?;
        services::payouts::run_batch(app(ctx), meta(ctx), ids).await.gql().map(PayoutBatch)
    }

    /// Admin: a `FAILED` payout goes back to `PENDING` for the next batch (with a new attempt).
    async fn retry_payout(&self, ctx: &Context<'_>, id: ID) -> Result<Payout> {
        let id = parse_id(&id, "id").gql()?;
        services::payouts::retry(app(ctx), meta(ctx), id).await.gql().map(Payout)
    }

    /// Admin: takes a `PAID` payout's money back with a Stripe transfer reversal (`REVERSED`).
    /// Repeating the call never reverses twice.
    async fn reverse_payout(&self, ctx: &Context<'_>, id: ID, reason: String) -> Result<Payout> {
        let id = parse_id(&id, "id").gql()?;
        let reason =
            crate::domain::required_text(&reason, "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::payouts::reverse(app(ctx), meta(ctx), id, reason).await.gql().map(Payout)
    }

    /// A Stripe Express onboarding link for a contractor (yourself, or any contractor for an
    /// admin). The account is created on first use; the link is single-use and expires.
    async fn stripe_onboarding_link(
        &self,
        ctx: &Context<'_>,
        contractor_id: Option<ID>,
    ) -> Result<StripeOnboardingLink> {
        let m = meta(ctx);
        let id = match contractor_id {
            Some(id) => parse_id(&id, "contractorId").gql()?,
            None => m
                .principal
                .contractor_id()
                .ok_or_else(|| ServiceError::validation("contractorId", "name the contractor (you are not one)"))
                .gql()?,
        };
        let link = services::stripe::onboarding_link(app(ctx), m, id).await.gql()?;
        Ok(StripeOnboardingLink { url: link.url, expires_at: link.expires_at })
    }
}

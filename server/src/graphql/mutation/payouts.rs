use async_graphql::{Context, ID, Object, Result};

use crate::domain::{AtField, optional_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::parse_id;
use crate::graphql::types::payout::Payout;
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
}

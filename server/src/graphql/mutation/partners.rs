use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::domain::{AtField, optional_text, required_text};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::{parse_id, partner_or_self};
use crate::graphql::types::enums::PartnerKind;
use crate::graphql::types::partner::{ApiKey, CreateApiKeyPayload, Partner};
use crate::graphql::types::webhook::SetWebhookPayload;
use crate::graphql::types::{app, meta};
use crate::services;

#[derive(Default)]
pub struct PartnerMutation;

#[derive(InputObject)]
pub struct CreatePartnerInput {
    pub name: String,
    pub kind: PartnerKind,
    /// `https://…` to a public address (plain `http` only to localhost outside production).
    pub webhook_url: Option<String>,
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub partner_id: ID,
    /// What the key is for, e.g. `claims system (prod)`.
    pub label: String,
    /// Optional; the key stops working at this time.
    pub expires_at: Option<DateTime<Utc>>,
}

#[Object]
impl PartnerMutation {
    /// Admin: registers an insurer or lead source.
    async fn create_partner(&self, ctx: &Context<'_>, input: CreatePartnerInput) -> Result<Partner> {
        let app = app(ctx);
        meta(ctx).principal.require_admin().gql()?;
        let name = required_text(&input.name, "name", 200).at("input.name").map_err(ServiceError::from).gql()?;
        services::partners::create(app, meta(ctx), name, input.kind.into(), input.webhook_url).await.gql().map(Partner)
    }

    /// Admin: issues an API key. The secret is in this response only.
    async fn create_api_key(&self, ctx: &Context<'_>, input: CreateApiKeyInput) -> Result<CreateApiKeyPayload> {
        meta(ctx).principal.require_admin().gql()?;
        let partner_id = parse_id(&input.partner_id, "input.partnerId").gql()?;
        let label = required_text(&input.label, "label", 200).at("input.label").map_err(ServiceError::from).gql()?;
        let (key, secret) =
            services::partners::create_api_key(app(ctx), meta(ctx), partner_id, label, input.expires_at).await.gql()?;
        Ok(CreateApiKeyPayload { api_key: ApiKey(key), secret })
    }

    /// Sends a dead letter (`FAILED` delivery) again: the same event, same id and signed body,
    /// for a new round of attempts; once, however many ask at once (the others get `CONFLICT`,
    /// as does a delivery that has not failed). Admins for any partner, a partner for its own;
    /// another's is `NOT_FOUND`. Audited.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        delivery_id: ID,
    ) -> Result<crate::graphql::types::webhook::WebhookDelivery> {
        let id = crate::graphql::ids::parse_id(&delivery_id, "deliveryId").gql()?;
        crate::services::webhooks::redeliver(app(ctx), meta(ctx), id)
            .await
            .gql()
            .map(crate::graphql::types::webhook::WebhookDelivery)
    }

    /// Sets (or, with no URL, removes) a partner's webhook endpoint and makes a new signing
    /// secret, returned here only. Admins for any partner; a partner for itself.
    async fn set_partner_webhook(
        &self,
        ctx: &Context<'_>,
        partner_id: Option<ID>,
        url: Option<String>,
    ) -> Result<SetWebhookPayload> {
        let m = meta(ctx);
        let id = partner_or_self(&m.principal, partner_id.as_ref(), "partnerId").gql()?;
        let (partner, secret) = crate::services::webhooks::set_endpoint(app(ctx), m, id, url).await.gql()?;
        Ok(SetWebhookPayload { partner: Partner(partner), secret })
    }

    /// Admin: deactivates a partner. Every API key and user of it stops working at once (HTTP
    /// refuses them from the next request; open WebSockets close with 4403 on every instance).
    async fn deactivate_partner(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<Partner> {
        let id = parse_id(&id, "id").gql()?;
        let reason = optional_text(reason.as_deref(), "reason", 500).at("reason").map_err(ServiceError::from).gql()?;
        services::partners::set_active(app(ctx), meta(ctx), id, false, reason).await.gql().map(Partner)
    }

    /// Admin: lets a deactivated partner's keys and users work again.
    async fn reactivate_partner(&self, ctx: &Context<'_>, id: ID) -> Result<Partner> {
        let id = parse_id(&id, "id").gql()?;
        services::partners::set_active(app(ctx), meta(ctx), id, true, None).await.gql().map(Partner)
    }

    /// Admin: gives one API key its own budget of GraphQL operations per minute, or (null) the
    /// default again.
    async fn set_api_key_rate_limit(&self, ctx: &Context<'_>, id: ID, per_minute: Option<i32>) -> Result<ApiKey> {
        let id = parse_id(&id, "id").gql()?;
        services::partners::set_api_key_rate_limit(app(ctx), meta(ctx), id, per_minute).await.gql().map(ApiKey)
    }

    /// Admin: revokes a key at once (open WebSockets that use it close with 4403).
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<ApiKey> {
        let id = parse_id(&id, "id").gql()?;
        services::partners::revoke_api_key(app(ctx), meta(ctx), id).await.gql().map(ApiKey)
    }
}

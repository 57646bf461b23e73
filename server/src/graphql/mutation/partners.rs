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
    /// `https://…` (plain `http` only to localhost outside production).
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

/// Accepts `https://` URLs, and `http://` to this machine outside production.
fn webhook_url(raw: Option<&str>, production: bool) -> Result<Option<String>, String> {
    let Some(url) = optional_text(raw, "webhook URL", 2000)? else { return Ok(None) };
    let lower = url.to_ascii_lowercase();
    let local = ["http://localhost", "http://127.0.0.1", "http://[::1]"].iter().any(|p| lower.starts_with(p));
    let host_ok = |rest: &str| !rest.is_empty() && !rest.starts_with('/') && !rest.contains(' ');
    if let Some(rest) = lower.strip_prefix("https://") {
        if host_ok(rest) {
            return Ok(Some(url));
        }
    } else if local && !production {
        return Ok(Some(url));
    }
    Err("the webhook URL must start with https:// and name a host".into())
}

#[Object]
impl PartnerMutation {
    /// Admin: registers an insurer or lead source.
    async fn create_partner(&self, ctx: &Context<'_>, input: CreatePartnerInput) -> Result<Partner> {
        let app = app(ctx);
        meta(ctx).principal.require_admin().gql()?;
        let name = required_text(&input.name, "name", 200).at("input.name").map_err(ServiceError::from).gql()?;
        let url = webhook_url(input.webhook_url.as_deref(), app.config.is_production())
            .at("input.webhookUrl")
            .map_err(ServiceError::from)
            .gql()?;
        services::partners::create(app, meta(ctx), name, input.kind.into(), url).await.gql().map(Partner)
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
        let url =
            webhook_url(url.as_deref(), app(ctx).config.is_production()).at("url").map_err(ServiceError::from).gql()?;
        let (partner, secret) = crate::services::webhooks::set_endpoint(app(ctx), m, id, url).await.gql()?;
        Ok(SetWebhookPayload { partner: Partner(partner), secret })
    }

    /// Admin: revokes a key at once.
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<ApiKey> {
        let id = parse_id(&id, "id").gql()?;
        services::partners::revoke_api_key(app(ctx), meta(ctx), id).await.gql().map(ApiKey)
    }
}

#[cfg(test)]
mod tests {
    use super::webhook_url;

    #[test]
    fn webhooks_need_https_except_to_localhost_in_development() {
        assert!(webhook_url(Some("https://hooks.insurer.example/nrp"), true).is_ok());
        assert!(webhook_url(Some("http://hooks.insurer.example/nrp"), false).is_err());
        assert!(webhook_url(Some("http://127.0.0.1:9000/hook"), false).is_ok());
        assert!(webhook_url(Some("http://127.0.0.1:9000/hook"), true).is_err());
        assert!(webhook_url(Some("https:///nohost"), false).is_err());
        assert_eq!(webhook_url(Some("  "), false).unwrap(), None);
    }
}

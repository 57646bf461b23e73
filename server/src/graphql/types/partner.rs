use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{api_key, partner};

use super::enums::{ApiKeyStatus, PartnerKind};
use super::{loaders, meta};
use crate::error::ServiceError;
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;
use crate::graphql::loaders::loader_error;

/// An insurer or lead source.
pub struct Partner(pub partner::Model);

impl Partner {
    /// Everything but the id and the name is for admins and the partner itself (`FORBIDDEN`
    /// for anyone else, whichever relation led here).
    fn own(&self, ctx: &Context<'_>) -> Result<()> {
        if crate::access::sees_partner(&meta(ctx).principal, self.0.id) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden("only NRP and the partner itself see more than its name".into())).gql()
        }
    }
}

/// An insurer or lead source. Other partners and contractors see its id and name only.
#[Object]
impl Partner {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self, ctx: &Context<'_>) -> Result<PartnerKind> {
        self.own(ctx)?;
        Ok(self.0.kind.into())
    }
    async fn webhook_url(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.own(ctx)?;
        Ok(self.0.webhook_url.as_deref())
    }
    async fn active(&self, ctx: &Context<'_>) -> Result<bool> {
        self.own(ctx)?;
        Ok(self.0.active)
    }
    async fn created_at(&self, ctx: &Context<'_>) -> Result<DateTime<Utc>> {
        self.own(ctx)?;
        Ok(self.0.created_at)
    }
    /// Keys issued to this partner, newest first. Secrets are never shown again.
    #[graphql(complexity = "crate::graphql::ids::rows_cost(10, child_complexity)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
        self.own(ctx)?;
        let found = loaders(ctx).api_keys.load_one(self.0.id).await.map_err(loader_error).gql()?;
        Ok(found.unwrap_or_default().into_iter().map(ApiKey).collect())
    }
}

/// An API key, without its secret.
pub struct ApiKey(pub api_key::Model);

#[Object]
impl ApiKey {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// The first characters of the key, to tell keys apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    async fn status(&self) -> ApiKeyStatus {
        if self.0.revoked_at.is_some() {
            ApiKeyStatus::Revoked
        } else if self.0.expires_at.is_some_and(|e| e <= Utc::now()) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
    /// Operations per minute this key may send; `null` when it has the default budget.
    async fn rate_limit_per_minute(&self) -> Option<i32> {
        self.0.rate_limit_per_minute
    }

    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// A new key. `secret` is shown here once and cannot be read again.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    pub api_key: ApiKey,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

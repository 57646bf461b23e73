use chrono::{DateTime, Utc};
use entities::{PartnerKind, api_key, partner};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::access::Scope;
use crate::auth::{RequestMeta, new_api_key, sha256_hex};
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, Revocation};
use crate::store::{self, partners::NewApiKey};

/// Admin: registers an insurer or lead source.
#[tracing::instrument(skip_all)]
pub async fn create(
    ctx: &AppContext,
    meta: &RequestMeta,
    name: String,
    kind: PartnerKind,
    webhook_url: Option<String>,
) -> ServiceResult<partner::Model> {
    meta.principal.require_admin()?;
    let webhook_url = super::webhooks::checked_url(ctx, webhook_url, "input.webhookUrl").await?;
    let txn = ctx.db.begin().await?;
    if store::partners::find_by_name(&txn, &name).await?.is_some() {
        return Err(ServiceError::conflict_on("input.name", "a partner with this name already exists"));
    }
    let has_hook = webhook_url.is_some();
    let mut p = store::partners::insert(&txn, name, kind, webhook_url).await?;
    if has_hook {
        // Deliveries are always signed; the secret is shown by `setPartnerWebhook`, which rotates it.
        let mut am: entities::partner::ActiveModel = p.clone().into();
        let secret = format!("whsec_{}", crate::auth::new_refresh_token());
        let sealed =
            ctx.config.secret_box.seal(p.id, &secret).map_err(|m| ServiceError::Internal(anyhow::anyhow!(m)))?;
        am.webhook_secret = sea_orm::Set(Some(sealed));
        p = sea_orm::ActiveModelTrait::update(am, &txn).await?;
    }
    super::audit::record(
        &txn,
        meta,
        "partner.created",
        "partner",
        Some(p.id),
        json!({ "name": p.name, "kind": p.kind, "webhookUrl": p.webhook_url }),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// Admin: issues a key for a partner. The secret is returned here and never again.
#[tracing::instrument(skip_all, fields(partner_id = %partner_id))]
pub async fn create_api_key(
    ctx: &AppContext,
    meta: &RequestMeta,
    partner_id: Uuid,
    label: String,
    expires_at: Option<DateTime<Utc>>,
) -> ServiceResult<(api_key::Model, String)> {
    meta.principal.require_admin()?;
    if expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(ServiceError::validation("input.expiresAt", "the expiry must be in the future"));
    }
    let txn = ctx.db.begin().await?;
    store::partners::find(&txn, partner_id).await?.ok_or_else(|| ServiceError::not_found("partner"))?;
    let (secret, prefix) = new_api_key();
    let key = store::partners::insert_api_key(
        &txn,
        NewApiKey { partner_id, label, prefix, key_hash: sha256_hex(&secret), expires_at },
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "partner.api_key_created",
        "partner",
        Some(partner_id),
        json!({ "apiKeyId": key.id, "label": key.label, "prefix": key.prefix, "expiresAt": key.expires_at }),
    )
    .await?;
    txn.commit().await?;
    Ok((key, secret))
}

/// Admin: revokes a key at once. Revoking a revoked key is a conflict, so mistakes are visible.
#[tracing::instrument(skip_all, fields(api_key_id = %id))]
pub async fn revoke_api_key(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<api_key::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let key = store::partners::find_api_key(&txn, id).await?.ok_or_else(|| ServiceError::not_found("API key"))?;
    if !store::partners::revoke_api_key(&txn, id).await? {
        return Err(ServiceError::conflict("this API key is already revoked"));
    }
    super::audit::record(
        &txn,
        meta,
        "partner.api_key_revoked",
        "partner",
        Some(key.partner_id),
        json!({ "apiKeyId": id, "label": key.label }),
    )
    .await?;
    let key = store::partners::find_api_key(&txn, id).await?.ok_or_else(|| ServiceError::not_found("API key"))?;
    super::commit(ctx, txn, vec![Event::Revoked(Revocation::ApiKey { key_id: id })]).await?;
    Ok(key)
}

/// Admin: deactivates a partner (every API key and user of it stops working at once, on HTTP
/// and on open sockets, and no webhooks are queued for it) or reactivates it. Audited.
#[tracing::instrument(skip_all, fields(partner_id = %id, active))]
pub async fn set_active(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    active: bool,
    reason: Option<String>,
) -> ServiceResult<partner::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let current = store::partners::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("partner"))?;
    if current.active == active {
        let state = if active { "already active" } else { "already deactivated" };
        return Err(ServiceError::conflict(format!("this partner is {state}")));
    }
    let updated = store::partners::set_active(&txn, id, active).await?;
    super::audit::record(
        &txn,
        meta,
        if active { "partner.reactivated" } else { "partner.deactivated" },
        "partner",
        Some(id),
        json!({ "name": current.name, "reason": reason }),
    )
    .await?;
    let events = if active { vec![] } else { vec![Event::Revoked(Revocation::Partner { partner_id: id })] };
    super::commit(ctx, txn, events).await?;
    Ok(updated)
}

/// Admins see every partner; a partner sees itself.
pub async fn list(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Vec<partner::Model>> {
    match crate::access::scope(&meta.principal)? {
        Scope::Everything => Ok(store::partners::all(&ctx.db).await?),
        Scope::Partner(id) => Ok(store::partners::find(&ctx.db, id).await?.into_iter().collect()),
        Scope::Contractor(_) => Err(ServiceError::forbidden()),
    }
}

pub async fn get(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<partner::Model> {
    meta.principal.require_partner_access(id)?;
    store::partners::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("partner"))
}

/// Admin: gives one API key its own budget of GraphQL operations per minute (a partner whose
/// integration needs more than the default), or back to the default with `None`. Audited.
#[tracing::instrument(skip_all, fields(api_key_id = %id))]
pub async fn set_api_key_rate_limit(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    per_minute: Option<i32>,
) -> ServiceResult<api_key::Model> {
    meta.principal.require_admin()?;
    if per_minute.is_some_and(|n| !(1..=1_000_000).contains(&n)) {
        return Err(ServiceError::validation("perMinute", "must be between 1 and 1000000 operations per minute"));
    }
    let txn = ctx.db.begin().await?;
    let before = store::partners::find_api_key(&txn, id).await?.ok_or_else(|| ServiceError::not_found("API key"))?;
    let key = store::partners::set_api_key_rate_limit(&txn, id, per_minute)
        .await?
        .ok_or_else(|| ServiceError::not_found("API key"))?;
    super::audit::record(
        &txn,
        meta,
        "partner.api_key_rate_limit",
        "partner",
        Some(key.partner_id),
        json!({ "apiKeyId": id, "perMinute": { "from": before.rate_limit_per_minute, "to": per_minute } }),
    )
    .await?;
    txn.commit().await?;
    Ok(key)
}

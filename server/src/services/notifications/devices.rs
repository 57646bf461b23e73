//! The devices a login turned alerts on for: each browser's Web Push subscription, registered by
//! the app after the user allows notifications, removed on sign-out, and dropped by the sender
//! when the push service says it is gone (404/410).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entities::push_subscription;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Principal, RequestMeta};
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};

/// The most devices one login keeps; registering another drops the one registered longest ago.
pub const MAX_DEVICES: usize = 10;

fn own_user(meta: &RequestMeta) -> ServiceResult<Uuid> {
    meta.principal.require_authenticated()?;
    match &meta.principal {
        Principal::User { user_id, .. } => Ok(*user_id),
        _ => Err(ServiceError::Forbidden("push alerts are for logins; partners get webhooks".into())),
    }
}

/// A subscription as the browser's `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub label: Option<String>,
}

/// Registers (or refreshes) the caller's device. The endpoint is an outbound URL a user gave us:
/// it must be `https` to a public address (plain `http://localhost` outside production only).
pub async fn register(ctx: &AppContext, meta: &RequestMeta, d: NewDevice) -> ServiceResult<push_subscription::Model> {
    let user_id = own_user(meta)?;
    if !ctx.channels.has(entities::NotificationChannel::Push) {
        return Err(ServiceError::conflict("push alerts are not set up on this server"));
    }
    let endpoint = d.endpoint.trim().to_string();
    if endpoint.len() > 2000 {
        return Err(ServiceError::validation("input.endpoint", "the endpoint must be at most 2000 characters"));
    }
    let policy = crate::outbound::OutboundPolicy::for_production(ctx.config.is_production());
    let url = policy
        .check(&endpoint)
        .await
        .map_err(|m| ServiceError::validation("input.endpoint", format!("the push endpoint {m}")))?;
    if url.as_str().len() > 2000 {
        return Err(ServiceError::validation("input.endpoint", "the endpoint must be at most 2000 characters"));
    }
    if ctx.config.is_production() && url.scheme() != "https" {
        return Err(ServiceError::validation("input.endpoint", "the push endpoint must use https"));
    }
    let key = URL_SAFE_NO_PAD.decode(d.p256dh.trim().trim_end_matches('=')).ok();
    if !key.as_deref().is_some_and(|k| p256::PublicKey::from_sec1_bytes(k).is_ok() && k.len() == 65) {
        return Err(ServiceError::validation("input.p256dh", "not a P-256 public key (base64url, 65 bytes)"));
    }
    let auth = URL_SAFE_NO_PAD.decode(d.auth.trim().trim_end_matches('=')).ok();
    if auth.as_ref().map(Vec::len) != Some(16) {
        return Err(ServiceError::validation("input.auth", "not a push authentication secret (base64url, 16 bytes)"));
    }
    let label = d.label.map(|l| l.trim().chars().take(100).collect::<String>()).filter(|l| !l.is_empty());
    let (p256dh, auth) =
        (URL_SAFE_NO_PAD.encode(key.unwrap_or_default()), URL_SAFE_NO_PAD.encode(auth.unwrap_or_default()));

    let txn = ctx.db.begin().await?;
    // One device, one owner: signing in as someone else on it moves its alerts to them.
    push_subscription::Entity::delete_many()
        .filter(push_subscription::Column::Endpoint.eq(url.as_str()))
        .exec(&txn)
        .await?;
    let mut mine = push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(user_id))
        .order_by_asc(push_subscription::Column::CreatedAt)
        .all(&txn)
        .await?;
    while mine.len() >= MAX_DEVICES {
        let oldest = mine.remove(0);
        push_subscription::Entity::delete_by_id(oldest.id).exec(&txn).await?;
    }
    let saved = push_subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        endpoint: Set(url.to_string()),
        p256dh: Set(p256dh),
        auth: Set(auth),
        label: Set(label.clone()),
        created_at: Set(Utc::now()),
        last_sent_at: Set(None),
    }
    .insert(&txn)
    .await?;
    super::super::audit::record(
        &txn,
        meta,
        "push.device_registered",
        "user",
        Some(user_id),
        json!({ "device": saved.id, "label": label }),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The caller's devices, newest first.
pub async fn list(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Vec<push_subscription::Model>> {
    let user_id = own_user(meta)?;
    Ok(push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(user_id))
        .order_by_desc(push_subscription::Column::CreatedAt)
        .all(&ctx.db)
        .await?)
}

/// Removes one of the caller's devices, by id or by endpoint (what a browser knows on sign-out).
/// Whether one was removed; someone else's device is never touched.
pub async fn remove(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Option<Uuid>,
    endpoint: Option<String>,
) -> ServiceResult<bool> {
    let user_id = own_user(meta)?;
    let mut q = push_subscription::Entity::delete_many().filter(push_subscription::Column::UserId.eq(user_id));
    q = match (id, endpoint) {
        (Some(id), _) => q.filter(push_subscription::Column::Id.eq(id)),
        (None, Some(e)) => {
            let normal = url::Url::parse(e.trim()).map(|u| u.to_string()).unwrap_or_else(|_| e.trim().to_string());
            q.filter(push_subscription::Column::Endpoint.is_in([normal, e.trim().to_string()]))
        }
        (None, None) => return Err(ServiceError::validation("id", "name the device by id or endpoint")),
    };
    Ok(q.exec(&ctx.db).await?.rows_affected > 0)
}

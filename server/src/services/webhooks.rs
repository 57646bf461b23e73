//! Partner webhooks. Events about a partner's leads, jobs and claims are written to an outbox in
//! the same transaction as the change (so a crash or restart loses none), then delivered by every
//! instance's worker: each delivery is claimed with a conditional update (one sender at a time),
//! signed with HMAC-SHA256 over `timestamp.body`, and retried with exponential back-off. Every
//! attempt is logged.
//!
//! Headers: `X-NRP-Event-Id` (de-duplicate on it), `X-NRP-Event-Type`, `X-NRP-Timestamp` (Unix
//! seconds) and `X-NRP-Signature: v1=<hex>`.

use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use entities::{DeliveryStatus, partner, webhook_attempt, webhook_delivery};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::events::Event;
use crate::store;

/// `v1=` + hex HMAC-SHA256 of `"{timestamp}.{body}"` under the partner's secret.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sets (or clears) a partner's webhook URL; a new signing secret is made each time and returned
/// here only. Admins for any partner, a partner for itself.
pub async fn set_endpoint(
    ctx: &AppContext,
    meta: &RequestMeta,
    partner_id: Uuid,
    url: Option<String>,
) -> ServiceResult<(partner::Model, Option<String>)> {
    meta.principal.require_partner_access(partner_id)?;
    if meta.principal.is_staff() {
        return Err(ServiceError::Forbidden("only the partner's owner sets its webhook".into()));
    }
    let url = checked_url(ctx, url, "url").await?;
    let txn = ctx.db.begin().await?;
    let p = store::partners::find(&txn, partner_id).await?.ok_or_else(|| ServiceError::not_found("partner"))?;
    let secret = url.as_ref().map(|_| format!("whsec_{}", crate::auth::new_refresh_token()));
    let sealed = match &secret {
        Some(s) => {
            Some(ctx.config.secret_box.seal(partner_id, s).map_err(|m| ServiceError::Internal(anyhow::anyhow!(m)))?)
        }
        None => None,
    };
    let mut am: partner::ActiveModel = p.clone().into();
    am.webhook_url = Set(url.clone());
    am.webhook_secret = Set(sealed);
    let updated = am.update(&txn).await?;
    super::audit::record(
        &txn,
        meta,
        "partner.webhook_set",
        "partner",
        Some(partner_id),
        json!({ "webhookUrl": { "from": p.webhook_url, "to": url } }),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, secret))
}

/// A webhook URL a user set, checked by the outbound policy (public addresses only, resolved
/// now; see `crate::outbound`). Empty means none. Errors name `field`.
pub async fn checked_url(ctx: &AppContext, raw: Option<String>, field: &str) -> ServiceResult<Option<String>> {
    let Some(raw) = raw.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else { return Ok(None) };
    if raw.len() > 2000 {
        return Err(ServiceError::validation(field, "the webhook URL must be at most 2000 characters"));
    }
    let policy = crate::outbound::OutboundPolicy::for_production(ctx.config.is_production());
    let url = policy.check(&raw).await.map_err(|m| ServiceError::validation(field, format!("the webhook URL {m}")))?;
    Ok(Some(url.to_string()))
}

fn envelope(id: Uuid, kind: &str, at: DateTime<Utc>, data: Value) -> String {
    json!({ "id": id, "type": kind, "createdAt": at, "data": data }).to_string()
}

/// Writes one delivery per interested partner with a webhook, inside the caller's transaction.
pub async fn enqueue(db: &impl ConnectionTrait, partner_ids: &[Uuid], kind: &str, data: Value) -> ServiceResult<()> {
    if partner_ids.is_empty() {
        return Ok(());
    }
    let partners = partner::Entity::find()
        .filter(partner::Column::Id.is_in(partner_ids.iter().copied()))
        .filter(partner::Column::WebhookUrl.is_not_null())
        .filter(partner::Column::WebhookSecret.is_not_null())
        .filter(partner::Column::Active.eq(true))
        .all(db)
        .await?;
    let now = Utc::now();
    for p in partners {
        let id = Uuid::now_v7();
        webhook_delivery::ActiveModel {
            id: Set(id),
            partner_id: Set(p.id),
            event_type: Set(kind.into()),
            payload: Set(envelope(id, kind, now, data.clone())),
            status: Set(DeliveryStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_status_code: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// An event as a partner receives it: without the list of partners it goes to (one partner does
/// not learn who else is on the lead).
fn for_partner(update: &impl serde::Serialize) -> Value {
    let mut v = serde_json::to_value(update).unwrap_or_default();
    if let Value::Object(m) = &mut v {
        m.remove("partnerIds");
    }
    v
}

/// Enqueues the partner-facing ones among these bus events (lead and job changes).
pub async fn enqueue_events(db: &impl ConnectionTrait, events: &[Event]) -> ServiceResult<()> {
    for e in events {
        match e {
            Event::Lead(u) => enqueue(db, &u.partner_ids, "lead.status_changed", for_partner(u)).await?,
            Event::Job(u) if u.alert.is_none() => {
                enqueue(db, &u.partner_ids, "job.status_changed", for_partner(u)).await?
            }
            _ => {}
        }
    }
    Ok(())
}

fn backoff(base: Duration, attempts: u32) -> chrono::Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    let delay = base.saturating_mul(factor).min(Duration::from_secs(3600));
    chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1))
}

/// Due deliveries, oldest first, leaving out partners that already have as many in flight as
/// they may (so one slow partner's backlog never crowds out the others).
pub async fn due(ctx: &AppContext, saturated: &[Uuid], limit: u64) -> ServiceResult<Vec<webhook_delivery::Model>> {
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(Utc::now()));
    if !saturated.is_empty() {
        q = q.filter(webhook_delivery::Column::PartnerId.is_not_in(saturated.iter().copied()));
    }
    Ok(q.order_by_asc(webhook_delivery::Column::NextAttemptAt).limit(limit).all(&ctx.db).await?)
}

/// How long a claimed delivery is held: longer than any send can take, counted from the claim.
pub fn lease(ctx: &AppContext) -> chrono::Duration {
    let hold = ctx.config.webhook_timeout.saturating_mul(2).max(Duration::from_secs(1));
    chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::minutes(1))
}

/// A claim on one delivery: the lease it set, which only its holder can record against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim(DateTime<Utc>);

/// Claims a delivery for one send: pushes its next attempt out by a lease counted from now, only
/// if nobody else did. Until the lease lapses no instance sends it again; if this one dies
/// mid-send, another sends it after the lease (receivers de-duplicate on `X-NRP-Event-Id`).
pub async fn claim(ctx: &AppContext, d: &webhook_delivery::Model) -> ServiceResult<Option<Claim>> {
    // Stored to the microsecond, so the fence in `record` compares equal on every database.
    let lease_until = (Utc::now() + lease(ctx)).trunc_subsecs(6);
    let won = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(lease_until))
        .filter(webhook_delivery::Column::Id.eq(d.id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.eq(d.next_attempt_at))
        .exec(&ctx.db)
        .await?
        .rows_affected
        == 1;
    Ok(won.then_some(Claim(lease_until)))
}

/// Sends one claimed delivery and records the attempt. Returns whether the receiver took it.
pub async fn send(
    ctx: &AppContext,
    http: &reqwest::Client,
    d: webhook_delivery::Model,
    claim: Claim,
) -> ServiceResult<bool> {
    let partner = store::partners::find(&ctx.db, d.partner_id).await?;
    let Some(p) = partner.filter(|p| p.active) else {
        // Gone or deactivated: nothing more is sent for it.
        return release(ctx, &d, claim, "the partner is deactivated", true).await.map(|_| false);
    };
    let (Some(url), Some(stored)) = (p.webhook_url.clone(), p.webhook_secret.clone()) else {
        // The partner removed its endpoint: nothing to send to until it sets one again.
        return record(ctx, &d, claim, None, Some("the partner has no webhook URL".into()), 0).await.map(|_| false);
    };
    let secret = match ctx.config.secret_box.open(p.id, &stored) {
        Ok(s) => s,
        Err(why) => {
            // Nothing unsigned ever leaves: an operator fixes the keys, and the retries go on.
            tracing::error!(partner = %p.id, error = %why, "cannot open a partner's webhook secret");
            let note = "NRP cannot sign this delivery right now (a configuration problem on NRP's side)";
            return release(ctx, &d, claim, note, false).await.map(|_| false);
        }
    };
    let attempt_started = Instant::now();
    let policy = crate::outbound::OutboundPolicy::for_production(ctx.config.is_production());
    let target = reqwest::Url::parse(&url)
        .map_err(|_| "the webhook URL is not valid".to_string())
        .and_then(|u| crate::outbound::check_literal(&policy, &u).map(|()| u));
    let (code, error) = match target {
        Err(refused) => (None, Some(refused)),
        Ok(target) => {
            let timestamp = Utc::now().timestamp();
            let result = http
                .post(target)
                .header("content-type", "application/json")
                .header("x-nrp-event-id", d.id.to_string())
                .header("x-nrp-event-type", &d.event_type)
                .header("x-nrp-timestamp", timestamp.to_string())
                .header("x-nrp-signature", sign(&secret, timestamp, &d.payload))
                .body(d.payload.clone())
                .send()
                .await;
            match &result {
                Ok(r) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None),
                Ok(r) if r.status().is_redirection() => (
                    Some(i32::from(r.status().as_u16())),
                    Some(format!("receiver answered {} (redirects are not followed)", r.status())),
                ),
                Ok(r) => (Some(i32::from(r.status().as_u16())), Some(format!("receiver answered {}", r.status()))),
                Err(e) => (None, Some(describe(e))),
            }
        }
    };
    let elapsed = attempt_started.elapsed().as_millis() as i64;
    record(ctx, &d, claim, code, error, elapsed).await
}

/// Lets go of a claimed delivery without sending it and without counting an attempt: `FAILED`
/// for good (`give_up`), or back in a minute (the problem is NRP's, not the partner's, and must
/// not use up the partner's retries).
async fn release(
    ctx: &AppContext,
    d: &webhook_delivery::Model,
    claim: Claim,
    why: &str,
    give_up: bool,
) -> ServiceResult<()> {
    let q = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::LastError, Expr::value(Some(why.to_string())))
        .filter(webhook_delivery::Column::Id.eq(d.id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.eq(claim.0));
    let q = if give_up {
        q.col_expr(webhook_delivery::Column::Status, Expr::value(DeliveryStatus::Failed))
    } else {
        q.col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(Utc::now() + chrono::Duration::minutes(1)))
    };
    q.exec(&ctx.db).await?;
    Ok(())
}

/// A send error as the partner may read it: what failed, without internal detail.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the receiver did not answer in time".to_string()
    } else if e.is_connect() {
        // The guarded resolver's refusal is in the source chain; say so plainly.
        let mut source = std::error::Error::source(e);
        let mut why = None;
        while let Some(s) = source {
            let text = s.to_string();
            if text.contains("public address") || text.contains("does not resolve") {
                why = Some(text);
            }
            source = s.source();
        }
        why.unwrap_or_else(|| "could not connect to the receiver".into())
    } else {
        "the request to the receiver failed".into()
    };
    what.chars().take(500).collect()
}

/// Records an attempt, fenced by the claim: if the lease lapsed and another sender claimed the
/// delivery meanwhile, this late result is dropped (that sender records its own), so a late
/// failure can never overwrite a delivery that another attempt completed.
async fn record(
    ctx: &AppContext,
    d: &webhook_delivery::Model,
    claim: Claim,
    code: Option<i32>,
    error: Option<String>,
    elapsed_ms: i64,
) -> ServiceResult<bool> {
    let attempt = d.attempts + 1;
    let ok = error.is_none();
    let gave_up = !ok && attempt as u32 >= ctx.config.webhook_max_attempts;
    let status = if ok {
        DeliveryStatus::Delivered
    } else if gave_up {
        DeliveryStatus::Failed
    } else {
        DeliveryStatus::Pending
    };
    let txn = ctx.db.begin().await?;
    let held = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempt))
        .col_expr(webhook_delivery::Column::LastStatusCode, Expr::value(code))
        .col_expr(webhook_delivery::Column::LastError, Expr::value(error.clone()))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Utc::now() + backoff(ctx.config.webhook_retry_base, attempt as u32)),
        )
        .col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(ok.then(Utc::now)))
        .filter(webhook_delivery::Column::Id.eq(d.id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.eq(claim.0))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !held {
        txn.rollback().await?;
        tracing::warn!(delivery = %d.id, "webhook lease lapsed before the attempt was recorded; another sender has it");
        return Ok(ok);
    }
    webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(d.id),
        attempt: Set(attempt),
        status_code: Set(code),
        error: Set(error.clone()),
        duration_ms: Set(elapsed_ms),
        at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    if !ok {
        tracing::warn!(delivery = %d.id, attempt, "webhook delivery failed");
    }
    Ok(ok)
}

/// Which deliveries of one partner's log to list.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    /// Written at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Written before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

/// One partner's log under `filter`, unordered.
fn filtered(partner_id: Uuid, filter: &DeliveryFilter) -> sea_orm::Select<webhook_delivery::Entity> {
    let mut q = webhook_delivery::Entity::find().filter(webhook_delivery::Column::PartnerId.eq(partner_id));
    if let Some(s) = filter.status {
        q = q.filter(webhook_delivery::Column::Status.eq(s));
    }
    if let Some(f) = filter.created_from {
        q = q.filter(webhook_delivery::Column::CreatedAt.gte(f));
    }
    if let Some(t) = filter.created_to {
        q = q.filter(webhook_delivery::Column::CreatedAt.lt(t));
    }
    q
}

/// A partner's deliveries, newest first (admins for any partner, a partner for itself).
pub async fn deliveries(
    ctx: &AppContext,
    meta: &RequestMeta,
    partner_id: Uuid,
    filter: &DeliveryFilter,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<webhook_delivery::Model>, u64)> {
    meta.principal.require_partner_access(partner_id)?;
    let mut q = filtered(partner_id, filter);
    let total = q.clone().count(&ctx.db).await?;
    if let Some(b) = before {
        q = q.filter(webhook_delivery::Column::Id.lt(b));
    }
    let rows = q.order_by_desc(webhook_delivery::Column::Id).limit(limit).all(&ctx.db).await?;
    Ok((rows, total))
}

/// A delivery as the CSV writes it: everything but the signed body.
type LoggedDelivery = (
    Uuid,
    DateTime<Utc>,
    String,
    DeliveryStatus,
    i32,
    Option<i32>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// The delivery log as listed (same filter, newest first) as CSV, at most `MAX_ROWS` rows. The
/// signed bodies stay out (they carry the customers' details, and the API has them per
/// delivery), and are not read.
pub async fn deliveries_csv(
    ctx: &AppContext,
    meta: &RequestMeta,
    partner_id: Uuid,
    filter: &DeliveryFilter,
) -> ServiceResult<String> {
    use crate::services::csv_out::{CsvOut, MAX_ROWS, fits};
    use crate::services::leads::wire_name;
    use webhook_delivery::Column as C;
    meta.principal.require_partner_access(partner_id)?;
    let q = filtered(partner_id, filter);
    fits(q.clone().count(&ctx.db).await?, "deliveries", "dates, status")?;
    let rows: Vec<LoggedDelivery> = q
        .select_only()
        .columns([
            C::Id,
            C::CreatedAt,
            C::EventType,
            C::Status,
            C::Attempts,
            C::LastStatusCode,
            C::LastError,
            C::NextAttemptAt,
            C::DeliveredAt,
        ])
        .order_by_desc(C::Id)
        .limit(MAX_ROWS)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut w = CsvOut::default();
    w.row([
        "delivery_id",
        "created_at",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ])?;
    for (id, created, event, status, attempts, code, error, next, delivered) in rows {
        w.row([
            id.to_string(),
            created.to_rfc3339(),
            event,
            wire_name(&status),
            attempts.to_string(),
            code.map(|c| c.to_string()).unwrap_or_default(),
            error.unwrap_or_default(),
            if status == DeliveryStatus::Pending { next.to_rfc3339() } else { String::new() },
            delivered.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// Sends a dead letter (`FAILED`) again: the same event (same id, same signed body) goes back
/// into the outbox for a new round of attempts, once however many ask at the same moment (the
/// move from `FAILED` is conditional: the others get `CONFLICT`). Admins for any partner, a
/// partner for its own; audited. The attempt log keeps every earlier attempt.
#[tracing::instrument(skip_all, fields(delivery = %id))]
pub async fn redeliver(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<webhook_delivery::Model> {
    meta.principal.require_authenticated()?;
    let d = webhook_delivery::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .filter(|d| meta.principal.require_partner_access(d.partner_id).is_ok())
        .ok_or_else(|| ServiceError::not_found("webhook delivery"))?;
    if d.status != DeliveryStatus::Failed {
        return Err(ServiceError::conflict("only a failed delivery (a dead letter) is sent again"));
    }
    let txn = ctx.db.begin().await?;
    let moved = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(DeliveryStatus::Pending))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(Utc::now().trunc_subsecs(6)))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Failed))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !moved {
        return Err(ServiceError::conflict("this delivery is being sent again already"));
    }
    super::audit::record(
        &txn,
        meta,
        "webhook.redelivered",
        "webhook_delivery",
        Some(id),
        json!({ "eventType": d.event_type, "previousAttempts": d.attempts, "lastError": d.last_error }),
    )
    .await?;
    let sent = webhook_delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::not_found("webhook delivery"))?;
    txn.commit().await?;
    Ok(sent)
}

/// The attempts of one delivery, oldest first.
pub async fn attempts(ctx: &AppContext, delivery_id: Uuid) -> ServiceResult<Vec<webhook_attempt::Model>> {
    Ok(webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(&ctx.db)
        .await?)
}

/// Re-seals every partner's webhook secret and every login's TOTP key under the current key (after adding a key to the
/// front of `WEBHOOK_SECRET_KEYS`); returns how many were re-sealed. The old key can go once
/// this has run.
pub async fn reseal_secrets(ctx: &AppContext) -> ServiceResult<usize> {
    let boxed = &ctx.config.secret_box;
    if !boxed.is_configured() {
        return Err(ServiceError::validation("WEBHOOK_SECRET_KEYS", "no key is configured to seal with"));
    }
    let (mut n, mut failed) = (0, Vec::new());
    for p in store::partners::all(&ctx.db).await? {
        let Some(stored) = p.webhook_secret.clone() else { continue };
        if boxed.is_current(&stored) {
            continue;
        }
        let resealed = boxed.open(p.id, &stored).and_then(|plain| boxed.seal(p.id, &plain));
        match resealed {
            // Only if nobody changed it meanwhile.
            Ok(sealed) => n += store::partners::replace_secret(&ctx.db, p.id, &stored, &sealed).await? as usize,
            Err(why) => failed.push(format!("partner {}: {why}", p.id)),
        }
    }
    // The second factors' TOTP keys are sealed with the same keys.
    let (more, more_failed) = super::second_factor::reseal(ctx).await?;
    n += more;
    failed.extend(more_failed);
    if !failed.is_empty() {
        // The others are done; keep the old key until these are sorted out.
        return Err(ServiceError::Internal(anyhow::anyhow!(
            "re-sealed {n}, but {} could not be: {}",
            failed.len(),
            failed.join("; ")
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let a = sign("whsec_x", 1_700_000_000, "{\"a\":1}");
        assert!(a.starts_with("v1=") && a.len() == 3 + 64);
        assert_ne!(a, sign("whsec_x", 1_700_000_001, "{\"a\":1}"));
        assert_ne!(a, sign("whsec_x", 1_700_000_000, "{\"a\":2}"));
        assert_ne!(a, sign("whsec_y", 1_700_000_000, "{\"a\":1}"));
    }

    #[test]
    fn back_off_doubles_and_caps_at_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), chrono::Duration::seconds(5));
        assert_eq!(backoff(base, 2), chrono::Duration::seconds(10));
        assert_eq!(backoff(base, 4), chrono::Duration::seconds(40));
        assert_eq!(backoff(base, 30), chrono::Duration::hours(1));
    }
}

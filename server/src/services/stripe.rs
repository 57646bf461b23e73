//! Stripe Connect: a contractor's onboarding link, and the Stripe events NRP acts on.
//!
//! Events are verified by the HTTP layer, then applied here in one transaction together with
//! the row that records their id, so a replayed event changes nothing. They may arrive in any
//! order: account snapshots older than the one on file are ignored, and a payout only moves
//! forward (`PROCESSING → PAID`, `PROCESSING | PAID → FAILED | REVERSED`); a late
//! `transfer.created` never undoes a failure or a reversal.

use chrono::{DateTime, Utc};
use entities::PayoutStatus;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::payments::{NewAccount, OnboardingLink, ProviderError};
use crate::store::{self, payouts::Settle};

/// A contractor's Stripe Express onboarding link: creates the connected account on first use.
/// For the contractor itself, or an admin on its behalf.
#[tracing::instrument(skip_all, fields(contractor_id = %contractor_id))]
pub async fn onboarding_link(
    ctx: &AppContext,
    meta: &RequestMeta,
    contractor_id: Uuid,
) -> ServiceResult<OnboardingLink> {
    meta.principal.require_company_owner(contractor_id)?;
    let provider = ctx.payments.clone().ok_or_else(|| ServiceError::conflict(super::payouts::NO_PROVIDER))?;
    let c =
        store::contractors::find(&ctx.db, contractor_id).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    let unavailable = |e: ProviderError| match e {
        ProviderError::Refused { message, .. } => ServiceError::conflict(format!("Stripe refused: {message}")),
        ProviderError::Unknown(m) => ServiceError::conflict(format!("Stripe is not answering ({m}); try again")),
    };
    let account = match c.stripe_account_id.clone() {
        Some(a) => a,
        None => {
            // The key makes two simultaneous first requests get the same account from Stripe.
            let created = provider
                .create_account(
                    &NewAccount { contractor_id, email: &c.email, business_name: &c.company_name },
                    &format!("contractor-{contractor_id}-account"),
                )
                .await
                .map_err(unavailable)?;
            let txn = ctx.db.begin().await?;
            let on_file = store::contractors::set_stripe_account(&txn, contractor_id, &created)
                .await?
                .unwrap_or_else(|| created.clone());
            if on_file == created {
                super::audit::record(
                    &txn,
                    meta,
                    "contractor.stripe_account",
                    "contractor",
                    Some(contractor_id),
                    json!({ "stripeAccountId": created }),
                )
                .await?;
            }
            txn.commit().await?;
            on_file
        }
    };
    let base = &ctx.config.public_base_url;
    provider
        .onboarding_link(&account, &format!("{base}/payouts?stripe=refresh"), &format!("{base}/payouts?stripe=return"))
        .await
        .map_err(unavailable)
}

/// Admin: the latest events received, newest first.
pub async fn recent_events(
    ctx: &AppContext,
    meta: &RequestMeta,
    limit: u64,
) -> ServiceResult<Vec<entities::stripe_event::Model>> {
    meta.principal.require_admin()?;
    Ok(store::stripe_events::recent(&ctx.db, limit).await?)
}

/// What happened to an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The event id was seen before: nothing was done.
    pub duplicate: bool,
    pub outcome: String,
}

/// Applies one verified Stripe event (the raw JSON body).
#[tracing::instrument(skip_all)]
pub async fn apply_event(ctx: &AppContext, body: &[u8]) -> ServiceResult<Applied> {
    let event: Value =
        serde_json::from_slice(body).map_err(|_| ServiceError::validation("body", "not a JSON Stripe event"))?;
    let id = event["id"].as_str().filter(|s| !s.is_empty() && s.len() <= 100);
    let kind = event["type"].as_str().filter(|s| !s.is_empty());
    let created = event["created"].as_i64().and_then(|t| DateTime::from_timestamp(t, 0));
    let (Some(id), Some(kind), Some(created)) = (id, kind, created) else {
        return Err(ServiceError::validation("body", "a Stripe event needs id, type and created"));
    };
    let object = &event["data"]["object"];
    if let Some(seen) = store::stripe_events::find(&ctx.db, id).await? {
        return Ok(Applied { duplicate: true, outcome: seen.outcome });
    }
    let meta = RequestMeta::system();
    let txn = ctx.db.begin().await?;
    let outcome = match kind {
        "account.updated" => account_updated(&txn, object, created).await?,
        "transfer.created" => {
            let (outcome, paid) = transfer_created(&txn, &meta, object, created).await?;
            if let Some(p) = paid {
                super::notifications::staff::payout_sent(ctx, &txn, &p).await?;
            }
            outcome
        }
        "transfer.reversed" => transfer_reversed(&txn, &meta, object).await?,
        "transfer.failed" => transfer_failed(&txn, &meta, object).await?,
        other => format!("ignored: NRP does not act on {other}"),
    };
    match store::stripe_events::insert(&txn, id, kind, created, &outcome).await {
        Ok(_) => {}
        // The same event delivered twice at once: the other delivery applied it.
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let seen = store::stripe_events::find(&ctx.db, id).await?.map(|e| e.outcome).unwrap_or_default();
            return Ok(Applied { duplicate: true, outcome: seen });
        }
        Err(e) => return Err(e.into()),
    }
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    tracing::info!(event = id, kind, outcome = %outcome, "stripe event applied");
    Ok(Applied { duplicate: false, outcome })
}

async fn account_updated(
    db: &impl sea_orm::ConnectionTrait,
    account: &Value,
    created: DateTime<Utc>,
) -> ServiceResult<String> {
    let Some(acct) = account["id"].as_str() else { return Ok("ignored: the account has no id".into()) };
    let Some(c) = store::contractors::find_by_stripe_account(db, acct).await? else {
        return Ok(format!("ignored: no contractor has account {acct}"));
    };
    let due: Vec<&str> = account["requirements"]["currently_due"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let requirements = (!due.is_empty()).then(|| due.join(",").chars().take(1000).collect::<String>());
    let payouts_enabled = account["payouts_enabled"].as_bool().unwrap_or(false);
    let details = account["details_submitted"].as_bool().unwrap_or(false);
    if store::contractors::apply_stripe_state(db, c.id, payouts_enabled, details, requirements, created).await? {
        Ok(format!("contractor {}: payouts enabled {payouts_enabled}, {} requirement(s) due", c.id, due.len()))
    } else {
        Ok(format!("ignored: contractor {} already has a newer account state", c.id))
    }
}

const NOT_CURRENT: &str = "ignored: not the current transfer of any payout";

/// The transfer in an event and the payout whose current transfer it is.
async fn payout_of(
    db: &impl sea_orm::ConnectionTrait,
    transfer: &Value,
) -> ServiceResult<Option<(String, entities::payout::Model)>> {
    let Some(tid) = transfer["id"].as_str() else { return Ok(None) };
    let by_meta = transfer["metadata"]["payout_id"].as_str().and_then(|s| Uuid::parse_str(s).ok());
    let by_group = transfer["transfer_group"]
        .as_str()
        .and_then(|g| g.strip_prefix("payout-"))
        .and_then(|s| Uuid::parse_str(s).ok());
    let Some(p) = store::payouts::find_for_transfer(db, by_meta.or(by_group), tid).await? else { return Ok(None) };
    // Only the payout's current transfer counts: the one on file, or, while the outcome of the
    // current attempt is unknown, the one that attempt made (named in the transfer's metadata).
    // An event about an earlier attempt's transfer must not move the payout.
    // Without the entry (a transfer from before attempts were named), it was a first attempt,
    // whose key is the group's name.
    let attempt = transfer["metadata"][crate::payments::ATTEMPT_KEY].as_str().or(transfer["transfer_group"].as_str());
    let current = match &p.transfer_id {
        Some(on_file) => on_file == tid,
        None => attempt.is_some() && attempt == p.idempotency_key.as_deref(),
    };
    Ok(current.then(|| (tid.to_string(), p)))
}

/// Moves a payout as a Stripe event says, only from the states `from` (so events apply in any
/// order and never move a payout backwards), audited; returns the outcome to record.
#[allow(clippy::too_many_arguments)]
async fn move_payout(
    db: &impl sea_orm::ConnectionTrait,
    meta: &RequestMeta,
    p: &entities::payout::Model,
    from: &[PayoutStatus],
    to: PayoutStatus,
    settle: Settle,
    action: &str,
    changes: Value,
) -> ServiceResult<String> {
    if store::payouts::settle(db, p.id, from, to, settle).await?.is_none() {
        return Ok(format!("payout {} already {}", p.id, super::payouts::status_name(p.status)));
    }
    super::audit::record(db, meta, action, "payout", Some(p.id), changes).await?;
    Ok(format!("payout {} {}", p.id, super::payouts::status_name(to)))
}

/// Marks the payout paid (from `PROCESSING` only); the payout too when this event was what paid it.
async fn transfer_created(
    db: &impl sea_orm::ConnectionTrait,
    meta: &RequestMeta,
    transfer: &Value,
    created: DateTime<Utc>,
) -> ServiceResult<(String, Option<entities::payout::Model>)> {
    let Some((tid, p)) = payout_of(db, transfer).await? else { return Ok((NOT_CURRENT.into(), None)) };
    let was_processing = p.status == PayoutStatus::Processing;
    let settle = Settle { transfer_id: Some(tid.clone()), paid_at: Some(created), ..Default::default() };
    let changes = json!({ "transferId": tid, "source": "stripe event" });
    let outcome =
        move_payout(db, meta, &p, &[PayoutStatus::Processing], PayoutStatus::Paid, settle, "payout.paid", changes)
            .await?;
    let paid = store::payouts::find(db, p.id).await?.filter(|now| was_processing && now.status == PayoutStatus::Paid);
    Ok((outcome, paid))
}

async fn transfer_reversed(
    db: &impl sea_orm::ConnectionTrait,
    meta: &RequestMeta,
    transfer: &Value,
) -> ServiceResult<String> {
    let Some((tid, p)) = payout_of(db, transfer).await? else { return Ok(NOT_CURRENT.into()) };
    let reversed_cents = transfer["amount_reversed"].as_i64().unwrap_or(0).max(p.reversed_cents);
    let fully = transfer["reversed"].as_bool().unwrap_or(false) || reversed_cents >= p.payout_cents;
    let (from, to, reason): (&[PayoutStatus], _, _) = if fully {
        (
            &[PayoutStatus::Processing, PayoutStatus::Paid],
            PayoutStatus::Reversed,
            "the transfer was reversed in Stripe".into(),
        )
    } else {
        (&[PayoutStatus::Paid], PayoutStatus::Paid, format!("partly reversed in Stripe: {reversed_cents} cents"))
    };
    let settle = Settle {
        reason: Some(reason),
        transfer_id: Some(tid.clone()),
        reversed_cents: Some(reversed_cents),
        reversal_id: transfer["reversals"]["data"][0]["id"].as_str().map(String::from),
        ..Default::default()
    };
    let changes = json!({ "transferId": tid, "reversedCents": reversed_cents, "source": "stripe event" });
    move_payout(db, meta, &p, from, to, settle, "payout.reversed", changes).await
}

async fn transfer_failed(
    db: &impl sea_orm::ConnectionTrait,
    meta: &RequestMeta,
    transfer: &Value,
) -> ServiceResult<String> {
    let Some((tid, p)) = payout_of(db, transfer).await? else { return Ok(NOT_CURRENT.into()) };
    let settle = Settle {
        reason: Some("Stripe reported the transfer failed; check the contractor's account and retry".into()),
        transfer_id: Some(tid.clone()),
        clear_paid_at: true,
        ..Default::default()
    };
    let changes = json!({ "transferId": tid, "source": "stripe event" });
    let from = [PayoutStatus::Processing, PayoutStatus::Paid];
    move_payout(db, meta, &p, &from, PayoutStatus::Failed, settle, "payout.failed", changes).await
}

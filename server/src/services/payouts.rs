//! Payouts: the ledger entry written when a job completes with an approved amount; payout
//! batches that transfer the money through the payment provider; hold, release, retry and
//! reversal. Without a provider, payouts stay `PENDING` and say so. Nothing is ever marked paid
//! that was not paid.
//!
//! Exactly once: a batch first *claims* a payout (`PENDING → PROCESSING`, a lease, and the
//! attempt's idempotency key, committed before any money moves), then asks the provider, then
//! records the answer. If the answer is lost (timeout, crash before the commit), the payout stays
//! `PROCESSING`; once its lease lapses the next batch asks the provider whether a transfer for it
//! exists and, if not, repeats the request with the *same* key, which Stripe answers with the
//! transfer it already made. A new key is only used after a definite refusal.

use entities::{PayoutStatus, contractor, job, payout, payout_batch};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::access::Scope;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::split_commission;
use crate::error::{ServiceError, ServiceResult};
use crate::payments::{PaymentProvider, ProviderError, Transfer};
use crate::store;
use crate::store::payouts::{NewPayout, PayoutFilter, PayoutOrder, PayoutPosition};

/// What a pending payout says while no payment provider is configured.
pub const NO_PROVIDER: &str = "no payment provider is configured, so this payout waits; nothing has been paid";

/// What a pending payout says while its contractor cannot receive transfers yet.
pub const AWAITING_ONBOARDING: &str =
    "waiting for the contractor to finish Stripe onboarding (payouts enabled); nothing has been paid";

/// What a pending payout says when a provider is configured and it waits for the next batch.
pub const AWAITING_BATCH: &str = "waiting for the next payout batch";

/// Payouts one batch works through at most.
const BATCH_LIMIT: u64 = 500;

/// Writes the ledger entry for a completed job, inside the completing transaction. A job
/// without an approved amount gets none. At most one per job (a unique index backs this).
pub async fn record_for_completed_job(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    meta: &RequestMeta,
    j: &job::Model,
) -> ServiceResult<Option<payout::Model>> {
    let Some(gross) = j.approved_cents.filter(|g| *g > 0) else { return Ok(None) };
    let c =
        store::contractors::find(db, j.contractor_id).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    let bps = c.commission_bps.unwrap_or(ctx.config.default_commission_bps);
    let (commission, payout) = split_commission(gross, bps);
    let p = store::payouts::insert(
        db,
        NewPayout {
            job_id: j.id,
            contractor_id: c.id,
            gross_cents: gross,
            commission_bps: bps,
            commission_cents: commission,
            payout_cents: payout,
            status_reason: Some(waiting_reason(ctx, &c).into()),
        },
    )
    .await?;
    super::audit::record(
        db,
        meta,
        "payout.recorded",
        "payout",
        Some(p.id),
        json!({ "jobId": j.id, "grossCents": gross, "commissionBps": bps, "commissionCents": commission, "payoutCents": payout }),
    )
    .await?;
    Ok(Some(p))
}

/// Admin: holds a pending (or failed) payout, or releases a held one back to pending.
#[tracing::instrument(skip_all, fields(payout_id = %id))]
pub async fn set_hold(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    hold: bool,
    reason: Option<String>,
) -> ServiceResult<payout::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let p = store::payouts::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("payout"))?;
    let to = if hold { PayoutStatus::Held } else { PayoutStatus::Pending };
    if !p.status.can_transition_to(to) {
        let what = if hold { "held" } else { "released" };
        return Err(ServiceError::conflict(format!("a {} payout cannot be {what}", status_name(p.status))));
    }
    let (_, _, who) = meta.principal.audit_actor();
    let reason = if hold {
        Some(format!("held by {who}{}", reason.map(|r| format!(": {r}")).unwrap_or_default()))
    } else {
        let c = store::contractors::find(&txn, p.contractor_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("contractor"))?;
        Some(waiting_reason(ctx, &c).into())
    };
    let updated = store::payouts::set_status_from(&txn, p.id, p.status, to, reason)
        .await?
        .ok_or_else(|| ServiceError::conflict("the payout changed at the same time; reload it and try again"))?;
    let action = if hold { "payout.held" } else { "payout.released" };
    super::audit::record(&txn, meta, action, "payout", Some(p.id), json!({ "status": { "from": p.status, "to": to } }))
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Why a pending payout of this contractor is not paid yet.
fn waiting_reason(ctx: &AppContext, c: &contractor::Model) -> &'static str {
    if ctx.payments.is_none() {
        NO_PROVIDER
    } else if c.stripe_account_id.is_none() || !c.stripe_payouts_enabled {
        AWAITING_ONBOARDING
    } else {
        AWAITING_BATCH
    }
}

/// Admin: runs a payout batch now, over every payable payout or only the given ones.
#[tracing::instrument(skip_all)]
pub async fn run_batch(
    ctx: &AppContext,
    meta: &RequestMeta,
    only: Option<Vec<Uuid>>,
) -> ServiceResult<payout_batch::Model> {
    meta.principal.require_admin()?;
    if only.as_ref().is_some_and(|ids| ids.is_empty()) {
        return Err(ServiceError::validation("payoutIds", "name at least one payout, or leave payoutIds out"));
    }
    batch(ctx, meta, "ADMIN", only.as_deref()).await
}

/// The scheduled batch (`PAYOUT_BATCH_INTERVAL_SECS`).
pub async fn run_scheduled_batch(ctx: &AppContext) -> ServiceResult<payout_batch::Model> {
    batch(ctx, &RequestMeta::system(), "SCHEDULE", None).await
}

/// What became of one payout in a batch.
enum Outcome {
    Paid(i64),
    Failed,
    Skipped,
    Unresolved,
}

async fn batch(
    ctx: &AppContext,
    meta: &RequestMeta,
    trigger: &str,
    only: Option<&[Uuid]>,
) -> ServiceResult<payout_batch::Model> {
    let provider = ctx.payments.clone().ok_or_else(|| ServiceError::conflict(NO_PROVIDER))?;
    let (_, _, who) = meta.principal.audit_actor();
    let now = chrono::Utc::now();
    let candidates = store::payouts::batch_candidates(&ctx.db, only, now, BATCH_LIMIT).await?;
    if candidates.is_empty() && trigger == "SCHEDULE" {
        // Nothing to pay: a schedule does not fill the batch list with empty runs.
        return Ok(payout_batch::Model {
            id: Uuid::nil(),
            trigger: trigger.into(),
            started_by: who,
            started_at: now,
            finished_at: Some(now),
            considered: 0,
            paid: 0,
            failed: 0,
            skipped: 0,
            unresolved: 0,
            paid_cents: 0,
        });
    }
    let mut b = store::payouts::batches::start(&ctx.db, trigger, &who).await?;
    for p in candidates {
        b.considered += 1;
        match pay_one(ctx, meta, provider.as_ref(), &b, p).await {
            Ok(Outcome::Paid(cents)) => {
                b.paid += 1;
                b.paid_cents += cents;
            }
            Ok(Outcome::Failed) => b.failed += 1,
            Ok(Outcome::Skipped) => b.skipped += 1,
            Ok(Outcome::Unresolved) => b.unresolved += 1,
            Err(e) => {
                // The database failed mid-way: this payout keeps its lease and the next batch
                // settles it through the provider; the rest of the batch goes on.
                tracing::error!(error = ?e, "payout batch step failed");
                b.unresolved += 1;
            }
        }
    }
    let b = store::payouts::batches::finish(&ctx.db, b).await?;
    super::audit::record(
        &ctx.db,
        meta,
        "payout.batch",
        "payout_batch",
        Some(b.id),
        json!({ "trigger": trigger, "considered": b.considered, "paid": b.paid, "failed": b.failed,
                "skipped": b.skipped, "unresolved": b.unresolved, "paidCents": b.paid_cents }),
    )
    .await?;
    Ok(b)
}

async fn pay_one(
    ctx: &AppContext,
    meta: &RequestMeta,
    provider: &dyn PaymentProvider,
    b: &payout_batch::Model,
    p: payout::Model,
) -> ServiceResult<Outcome> {
    let c = store::contractors::find(&ctx.db, p.contractor_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("contractor"))?;
    let destination = match (&c.stripe_account_id, c.stripe_payouts_enabled, p.status) {
        (Some(acct), true, _) => acct.clone(),
        // A transfer already requested is settled whatever the account's state is now.
        (Some(acct), false, PayoutStatus::Processing) => acct.clone(),
        _ => {
            if p.status_reason.as_deref() != Some(AWAITING_ONBOARDING) {
                store::payouts::release(&ctx.db, p.id, p.status, AWAITING_ONBOARDING.into()).await?;
            }
            return Ok(Outcome::Skipped);
        }
    };
    let now = chrono::Utc::now();
    let lease_until = now + chrono::Duration::from_std(ctx.config.payout_lease).unwrap_or(chrono::Duration::minutes(2));
    let txn = ctx.db.begin().await?;
    let Some(claimed) = store::payouts::claim(&txn, &p, b.id, now, lease_until).await? else {
        txn.rollback().await?;
        return Ok(Outcome::Skipped);
    };
    let key = claimed.idempotency_key.clone().unwrap_or_default();
    super::audit::record(
        &txn,
        meta,
        "payout.processing",
        "payout",
        Some(p.id),
        json!({ "batchId": b.id, "attempt": claimed.attempts, "idempotencyKey": key, "resumed": p.status == PayoutStatus::Processing }),
    )
    .await?;
    txn.commit().await?;

    let group = format!("payout-{}", p.id);
    // An earlier attempt whose answer was lost may have paid: ask before asking again. (Stripe
    // also answers a repeated key with the original transfer, but only for 24 hours.)
    let existing = if p.status == PayoutStatus::Processing {
        match provider.find_transfer(&group, &key).await {
            Ok(t) => t,
            Err(e) => return unresolved(ctx, &claimed, &e).await,
        }
    } else {
        None
    };
    let result = match existing {
        Some(t) => Ok(t),
        None => {
            let description = format!("NRP payout for job {}", p.job_id);
            provider
                .transfer(&Transfer {
                    payout_id: p.id,
                    amount_cents: p.payout_cents,
                    destination: &destination,
                    group: &group,
                    idempotency_key: &key,
                    description: &description,
                })
                .await
        }
    };
    match result {
        Ok(transfer_id) => {
            let txn = ctx.db.begin().await?;
            let settled = store::payouts::settle(
                &txn,
                p.id,
                &[PayoutStatus::Processing],
                PayoutStatus::Paid,
                store::payouts::Settle {
                    transfer_id: Some(transfer_id.clone()),
                    paid_at: Some(chrono::Utc::now()),
                    ..Default::default()
                },
            )
            .await?;
            let outcome = match settled {
                Some(_) => {
                    super::audit::record(
                        &txn,
                        meta,
                        "payout.paid",
                        "payout",
                        Some(p.id),
                        json!({ "transferId": transfer_id, "payoutCents": p.payout_cents, "batchId": b.id }),
                    )
                    .await?;
                    super::notifications::staff::payout_sent(ctx, &txn, &p).await?;
                    Outcome::Paid(p.payout_cents)
                }
                // A Stripe event got there first (paid, failed or reversed): it stands.
                None => match store::payouts::find(&txn, p.id).await?.map(|x| x.status) {
                    Some(PayoutStatus::Paid) => Outcome::Paid(p.payout_cents),
                    Some(PayoutStatus::Failed) => Outcome::Failed,
                    _ => Outcome::Skipped,
                },
            };
            txn.commit().await?;
            if matches!(outcome, Outcome::Paid(_)) {
                ctx.notifications_queued.notify_one();
            }
            Ok(outcome)
        }
        Err(ProviderError::Refused { code, message }) => {
            let reason = format!(
                "Stripe refused the transfer: {message}{}; fix the cause and retry",
                code.map(|c| format!(" ({c})")).unwrap_or_default()
            );
            let txn = ctx.db.begin().await?;
            let settled = store::payouts::settle(
                &txn,
                p.id,
                &[PayoutStatus::Processing],
                PayoutStatus::Failed,
                store::payouts::Settle { reason: Some(reason.clone()), ..Default::default() },
            )
            .await?;
            if settled.is_some() {
                super::audit::record(
                    &txn,
                    meta,
                    "payout.failed",
                    "payout",
                    Some(p.id),
                    json!({ "reason": reason, "batchId": b.id }),
                )
                .await?;
            }
            txn.commit().await?;
            Ok(Outcome::Failed)
        }
        Err(e @ ProviderError::Unknown(_)) => unresolved(ctx, &claimed, &e).await,
    }
}

/// The provider's answer is unknown: keep `PROCESSING` (and the key), free it for the next batch.
async fn unresolved(ctx: &AppContext, p: &payout::Model, e: &ProviderError) -> ServiceResult<Outcome> {
    tracing::warn!(payout = %p.id, error = %e, "transfer outcome unknown");
    let reason = format!("transfer outcome unknown ({e}); the next batch settles it with the same idempotency key");
    store::payouts::release(&ctx.db, p.id, PayoutStatus::Processing, reason).await?;
    Ok(Outcome::Unresolved)
}

/// Admin: a failed payout goes back to `PENDING` for the next batch (with a new attempt key).
#[tracing::instrument(skip_all, fields(payout_id = %id))]
pub async fn retry(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<payout::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let p = store::payouts::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("payout"))?;
    if p.status != PayoutStatus::Failed {
        return Err(ServiceError::conflict(format!(
            "only a FAILED payout can be retried; this one is {}",
            status_name(p.status)
        )));
    }
    let (_, _, who) = meta.principal.audit_actor();
    let updated = store::payouts::settle(
        &txn,
        id,
        &[PayoutStatus::Failed],
        PayoutStatus::Pending,
        store::payouts::Settle {
            reason: Some(format!("retry requested by {who}; pays in the next batch")),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| ServiceError::conflict("the payout changed at the same time; reload it and try again"))?;
    super::audit::record(&txn, meta, "payout.retry", "payout", Some(id), json!({ "previousReason": p.status_reason }))
        .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Admin: takes a paid payout's money back (a full transfer reversal) and marks it `REVERSED`.
/// The reversal's key is fixed per payout, so repeating the call never reverses twice.
#[tracing::instrument(skip_all, fields(payout_id = %id))]
pub async fn reverse(ctx: &AppContext, meta: &RequestMeta, id: Uuid, reason: String) -> ServiceResult<payout::Model> {
    meta.principal.require_admin()?;
    let provider = ctx.payments.clone().ok_or_else(|| ServiceError::conflict(NO_PROVIDER))?;
    let p = store::payouts::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("payout"))?;
    if p.status == PayoutStatus::Reversed {
        return Ok(p);
    }
    let transfer_id = match (p.status, &p.transfer_id) {
        (PayoutStatus::Paid, Some(t)) => t.clone(),
        _ => {
            return Err(ServiceError::conflict(format!(
                "only a PAID payout can be reversed; this one is {}",
                status_name(p.status)
            )));
        }
    };
    let reversal =
        provider.reverse_transfer(&transfer_id, &format!("payout-{id}-reversal")).await.map_err(|e| match e {
            ProviderError::Refused { message, .. } => {
                ServiceError::conflict(format!("Stripe refused the reversal: {message}"))
            }
            ProviderError::Unknown(m) => {
                ServiceError::conflict(format!("Stripe did not confirm the reversal ({m}); trying again is safe"))
            }
        })?;
    let (_, _, who) = meta.principal.audit_actor();
    let txn = ctx.db.begin().await?;
    let updated = store::payouts::settle(
        &txn,
        id,
        &[PayoutStatus::Paid],
        PayoutStatus::Reversed,
        store::payouts::Settle {
            reason: Some(format!("reversed by {who}: {reason}")),
            reversed_cents: Some(reversal.amount_cents),
            reversal_id: Some(reversal.id.clone()),
            ..Default::default()
        },
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "payout.reversed",
        "payout",
        Some(id),
        json!({ "transferId": transfer_id, "reversalId": reversal.id, "amountCents": reversal.amount_cents, "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    match updated {
        Some(u) => Ok(u),
        // Stripe's `transfer.reversed` event recorded it first.
        None => store::payouts::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("payout")),
    }
}

/// Admin: recent payout batches, newest first.
pub async fn batches(ctx: &AppContext, meta: &RequestMeta, limit: u64) -> ServiceResult<Vec<payout_batch::Model>> {
    meta.principal.require_admin()?;
    Ok(store::payouts::batches::recent(&ctx.db, limit).await?)
}

/// `PENDING`, `PAID`, …
pub fn status_name(s: PayoutStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Payouts: all for admins, their own for contractors.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: PayoutFilter,
    order: PayoutOrder,
    after: Option<PayoutPosition>,
    limit: u64,
) -> ServiceResult<(Vec<payout::Model>, u64)> {
    if !crate::access::may_see_money(&meta.principal) {
        return Err(ServiceError::Forbidden("payouts are for the company's owner".into()));
    }
    match crate::access::scope(&meta.principal)? {
        Scope::Everything => {}
        Scope::Contractor(c) => filter.contractor_id = Some(c),
        // Payouts are between NRP and its contractors.
        Scope::Partner(_) => return Err(ServiceError::forbidden()),
    }
    let rows = store::payouts::page(&ctx.db, &filter, order, after, limit).await?;
    let total = store::payouts::count(&ctx.db, &filter).await?;
    Ok((rows, total))
}

/// The cursor after `p` in any order.
pub fn encode_position(p: &payout::Model) -> String {
    super::cursor::encode(p.payout_cents, p.id)
}

/// The position an `after` cursor names; anything else is `BAD_USER_INPUT` on `after`.
pub fn decode_position(cursor: Option<&str>) -> ServiceResult<Option<PayoutPosition>> {
    Ok(super::cursor::decode(cursor)?.map(|(payout_cents, id)| PayoutPosition { id, payout_cents }))
}

/// Sums of a set of payouts, in cents.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub count: i64,
    pub gross_cents: i64,
    pub commission_cents: i64,
    pub payout_cents: i64,
}

impl Totals {
    pub fn of(rows: &[payout::Model]) -> Totals {
        rows.iter().fold(Totals::default(), |t, p| Totals {
            count: t.count + 1,
            gross_cents: t.gross_cents + p.gross_cents,
            commission_cents: t.commission_cents + p.commission_cents,
            payout_cents: t.payout_cents + p.payout_cents,
        })
    }
}

/// Payouts for a report: all for admins, a contractor's own (its statement).
pub async fn report(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: PayoutFilter,
) -> ServiceResult<(Vec<payout::Model>, Totals)> {
    if !crate::access::may_see_money(&meta.principal) {
        return Err(ServiceError::Forbidden("payouts are for the company's owner".into()));
    }
    match crate::access::scope(&meta.principal)? {
        Scope::Everything => {}
        Scope::Contractor(c) => filter.contractor_id = Some(c),
        // Payouts are between NRP and its contractors.
        Scope::Partner(_) => return Err(ServiceError::forbidden()),
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && to <= from
    {
        return Err(ServiceError::validation("to", "the period must end after it starts"));
    }
    let rows = store::payouts::all(&ctx.db, &filter).await?;
    let totals = Totals::of(&rows);
    Ok((rows, totals))
}

/// `1234.56` from 123456 cents: exact, no floating point.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The CSV of a report: one row per payout, then a `TOTAL` row.
pub async fn report_csv(ctx: &AppContext, meta: &RequestMeta, filter: PayoutFilter) -> ServiceResult<String> {
    let (rows, totals) = report(ctx, meta, filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|p| p.contractor_id).collect();
    let contractors = store::contractors::find_many(&ctx.db, &ids).await?;
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "payout_id",
        "job_id",
        "contractor",
        "abn",
        "created_at",
        "status",
        "gross_aud",
        "commission_bps",
        "commission_aud",
        "payout_aud",
        "paid_at",
    ])?;
    for p in &rows {
        let c = contractors.iter().find(|c| c.id == p.contractor_id);
        let status = status_name(p.status);
        w.row([
            p.id.to_string(),
            p.job_id.to_string(),
            c.map(|c| c.company_name.clone()).unwrap_or_default(),
            c.map(|c| c.abn.clone()).unwrap_or_default(),
            p.created_at.to_rfc3339(),
            status,
            dollars(p.gross_cents),
            p.commission_bps.to_string(),
            dollars(p.commission_cents),
            dollars(p.payout_cents),
            p.paid_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ])?;
    }
    w.row([
        "TOTAL".to_string(),
        format!("{} payouts", totals.count),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        dollars(totals.gross_cents),
        String::new(),
        dollars(totals.commission_cents),
        dollars(totals.payout_cents),
        String::new(),
    ])?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::dollars;

    #[test]
    fn cents_print_as_exact_dollars() {
        assert_eq!(dollars(0), "0.00");
        assert_eq!(dollars(5), "0.05");
        assert_eq!(dollars(123_456), "1234.56");
        assert_eq!(dollars(-150), "-1.50");
        assert_eq!(dollars(10_000_000_000_000), "100000000000.00");
    }
}

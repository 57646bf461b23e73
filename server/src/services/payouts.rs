//! Payouts: the ledger entry written when a job completes with an approved amount, and the
//! admin's hold and release. Transfers through a payment provider arrive with the Stripe work;
//! until a provider is configured, payouts stay `PENDING` and say so. Nothing is ever marked paid
//! that was not paid.

use entities::{PayoutStatus, job, payout};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::split_commission;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{self, payouts::NewPayout, payouts::PayoutFilter};

/// What a pending payout says while no payment provider is configured.
pub const NO_PROVIDER: &str = "no payment provider is configured, so this payout waits; nothing has been paid";

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
            status_reason: Some(NO_PROVIDER.into()),
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
        let status = serde_json::to_value(p.status).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        return Err(ServiceError::conflict(format!("a {status} payout cannot be {what}")));
    }
    let (_, _, who) = meta.principal.audit_actor();
    let reason = if hold {
        Some(format!("held by {who}{}", reason.map(|r| format!(": {r}")).unwrap_or_default()))
    } else {
        Some(NO_PROVIDER.into())
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

/// Payouts: all for admins, their own for contractors.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: PayoutFilter,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<payout::Model>, u64)> {
    meta.principal.require_authenticated()?;
    if !meta.principal.is_admin() {
        let c = meta.principal.contractor_id().ok_or_else(ServiceError::forbidden)?;
        filter.contractor_id = Some(c);
    }
    let rows = store::payouts::page(&ctx.db, &filter, before, limit).await?;
    let total = store::payouts::count(&ctx.db, &filter).await?;
    Ok((rows, total))
}

/// A job's payout, for those who may see the job's money: admins and its contractor.
pub async fn for_job(ctx: &AppContext, meta: &RequestMeta, j: &job::Model) -> ServiceResult<Option<payout::Model>> {
    if !(meta.principal.is_admin() || meta.principal.contractor_id() == Some(j.contractor_id)) {
        return Ok(None);
    }
    Ok(store::payouts::find_by_job(&ctx.db, j.id).await?)
}

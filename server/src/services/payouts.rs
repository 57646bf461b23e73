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
    meta.principal.require_authenticated()?;
    if !meta.principal.is_admin() {
        let c = meta.principal.contractor_id().ok_or_else(ServiceError::forbidden)?;
        filter.contractor_id = Some(c);
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
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ServiceError::Internal(anyhow::Error::new(e));
    w.write_record([
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
    ])
    .map_err(csv_err)?;
    for p in &rows {
        let c = contractors.iter().find(|c| c.id == p.contractor_id);
        let status = serde_json::to_value(p.status).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        w.write_record([
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
        ])
        .map_err(csv_err)?;
    }
    w.write_record([
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
    ])
    .map_err(csv_err)?;
    let bytes = w.into_inner().map_err(|e| ServiceError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(anyhow::Error::new(e)))
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

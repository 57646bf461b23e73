//! Lead returns (docs/DOMAIN.md, "Lead returns"): a contractor that won a lead with bad contact
//! details, a duplicate or work not as described hands it back within 24 hours of winning it,
//! with a reason; an admin upholds or rejects it, once. Upheld: the job is cancelled, the lead is
//! routed again (the company that returned it was offered it already, so it is not offered it
//! again), and the job counts in no term of the company's score. Rejected: the job goes on.

use chrono::{Duration, Utc};
use entities::{JobStatus, LeadStatus, ReturnReason, ReturnStatus, lead_return};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, JobUpdate};
use crate::store;
use crate::store::returns::{NewReturn, ReturnFilter};

/// How long after winning a lead it may be returned.
pub const RETURN_WINDOW_HOURS: i64 = 24;

/// The contractor returns the lead of its job `job_id`. Admins hear of it live (a job alert
/// `RETURN_REQUESTED`).
#[tracing::instrument(skip_all, fields(job_id = %job_id))]
pub async fn request(
    ctx: &AppContext,
    meta: &RequestMeta,
    job_id: Uuid,
    reason: ReturnReason,
    note: &str,
) -> ServiceResult<lead_return::Model> {
    let cid = meta.principal.acting_contractor("return leads")?;
    let note = crate::domain::required_text(note, "a note saying what is wrong", 1000)
        .map_err(|m| ServiceError::validation("note", m))?;
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    let lead_id = match store::jobs::find(&txn, job_id).await? {
        Some(j) if j.contractor_id == cid => j.lead_id,
        _ => return Err(ServiceError::not_found("job")),
    };
    // The lead's lock, as every change to the lead and its job takes it; then the job as it is
    // under the lock (a cancellation may have committed in between).
    let l = store::leads::lock(&txn, lead_id).await?.ok_or_else(|| ServiceError::not_found("lead"))?;
    let j = store::jobs::find(&txn, job_id).await?.ok_or_else(|| ServiceError::not_found("job"))?;
    if let Some(earlier) = store::returns::for_job(&txn, j.id).await? {
        return Err(ServiceError::conflict(format!(
            "this lead was returned already on {} ({})",
            earlier.created_at.to_rfc3339(),
            status_name(earlier.status)
        )));
    }
    if !j.status.is_open() {
        return Err(ServiceError::conflict("only the lead of an open job can be returned"));
    }
    if now > j.created_at + Duration::hours(RETURN_WINDOW_HOURS) {
        return Err(ServiceError::conflict(format!(
            "a lead can be returned within {RETURN_WINDOW_HOURS} hours of winning it; this one was won on {}",
            j.created_at.to_rfc3339()
        )));
    }
    let r = store::returns::insert(
        &txn,
        NewReturn { job_id: j.id, lead_id: l.id, contractor_id: cid, reason, note: note.clone() },
        now,
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "lead.return_requested",
        "lead",
        Some(l.id),
        json!({ "returnId": r.id, "jobId": j.id, "reason": reason, "note": note }),
    )
    .await?;
    let events = vec![Event::Job(JobUpdate::of(&j, &l, None, Some("RETURN_REQUESTED")))];
    super::commit(ctx, txn, events).await?;
    Ok(r)
}

/// Admin: upholds (`uphold`) or rejects a pending return, once, with a note for the contractor.
#[tracing::instrument(skip_all, fields(return_id = %id))]
pub async fn decide(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    uphold: bool,
    note: Option<String>,
) -> ServiceResult<lead_return::Model> {
    meta.principal.require_admin()?;
    let note =
        crate::domain::optional_text(note.as_deref(), "note", 1000).map_err(|m| ServiceError::validation("note", m))?;
    let r = store::returns::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("lead return"))?;
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    let l = store::leads::lock(&txn, r.lead_id).await?.ok_or_else(|| ServiceError::not_found("lead"))?;
    let to = if uphold { ReturnStatus::Upheld } else { ReturnStatus::Rejected };
    let by = meta.principal.audit_actor().1;
    if !store::returns::decide(&txn, r.id, to, by, note.clone(), now).await? {
        let current = store::returns::find(&txn, r.id).await?.unwrap_or(r);
        return Err(ServiceError::conflict(format!("this return was {} already", status_name(current.status))));
    }
    let mut events = Vec::new();
    if uphold {
        let j = store::jobs::find(&txn, r.job_id).await?.ok_or_else(|| ServiceError::not_found("job"))?;
        let requeued = match j.status {
            JobStatus::Completed => {
                return Err(ServiceError::conflict(
                    "the job was completed since it was returned: the work was done, so the return cannot be upheld",
                ));
            }
            // Cancelled since (by the company or NRP): upholding still keeps it out of the score.
            JobStatus::Cancelled => l,
            _ => {
                // The contractor's note was written for NRP: partners read the job's timeline, so
                // the cancellation says only why in general terms.
                let reason = format!("lead returned by the contractor ({})", reason_name(r.reason));
                let (_, cancelled) = super::jobs::cancel_locked(ctx, &txn, meta, &j, l, &reason).await?;
                events.extend(cancelled);
                store::leads::find(&txn, r.lead_id).await?.ok_or_else(|| ServiceError::not_found("lead"))?
            }
        };
        if requeued.status == LeadStatus::Unassigned {
            let filled = super::routing::fill(ctx, &txn, requeued, now, None).await?;
            events.extend(filled.events);
        }
        super::scoring::rescore(&txn, &ctx.config, r.contractor_id, now).await?;
    }
    super::audit::record(
        &txn,
        meta,
        if uphold { "lead.return_upheld" } else { "lead.return_rejected" },
        "lead",
        Some(r.lead_id),
        json!({ "returnId": r.id, "jobId": r.job_id, "contractorId": r.contractor_id, "note": note }),
    )
    .await?;
    let decided = store::returns::find(&txn, r.id).await?.ok_or_else(|| ServiceError::not_found("lead return"))?;
    super::commit(ctx, txn, events).await?;
    Ok(decided)
}

/// Returns newest first: all for admins, a company's own for its users.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    status: Option<ReturnStatus>,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<lead_return::Model>, u64)> {
    let contractor_id =
        if meta.principal.is_admin() { None } else { Some(meta.principal.acting_contractor("see lead returns")?) };
    Ok(store::returns::page(&ctx.db, &ReturnFilter { status, contractor_id }, before, limit).await?)
}

pub fn status_name(s: ReturnStatus) -> &'static str {
    match s {
        ReturnStatus::Pending => "PENDING",
        ReturnStatus::Upheld => "UPHELD",
        ReturnStatus::Rejected => "REJECTED",
    }
}

pub fn reason_name(r: ReturnReason) -> &'static str {
    match r {
        ReturnReason::BadContact => "bad contact details",
        ReturnReason::Duplicate => "duplicate",
        ReturnReason::OutOfScope => "work not as described",
    }
}

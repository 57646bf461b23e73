//! The offer lifecycle: first accept wins exactly once; declines and expiries cascade to the next
//! candidates; admins assign by hand, re-route and cancel.
//!
//! Policy: every change to a lead's offers starts by taking the lead's row lock
//! (`store::leads::lock`), then changes offers with conditional updates (`OPEN → …` only if still
//! `OPEN`), then at most one contractor row. One lock order everywhere, so instances serialise per
//! lead without deadlocks, and a lost race shows up as "0 rows changed", never as a double.

use chrono::{DateTime, Utc};
use entities::{ContractorStatus, LeadStatus, OfferStatus, job, lead, offer};
use sea_orm::{DatabaseTransaction, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, LeadSummary, LeadUpdate, OfferEventKind, OfferSnapshot};
use crate::store;

fn status_name(s: OfferStatus) -> &'static str {
    match s {
        OfferStatus::Open => "OPEN",
        OfferStatus::Accepted => "ACCEPTED",
        OfferStatus::Declined => "DECLINED",
        OfferStatus::Expired => "EXPIRED",
        OfferStatus::Taken => "TAKEN",
        OfferStatus::Withdrawn => "WITHDRAWN",
    }
}

/// The `CONFLICT` for acting on an offer that is no longer open, saying what happened to it.
fn closed(o: &offer::Model, now: DateTime<Utc>) -> ServiceError {
    let what = match o.status {
        OfferStatus::Open if o.expires_at <= now => {
            return ServiceError::conflict(format!(
                "this offer is EXPIRED: it expired at {}",
                o.expires_at.to_rfc3339()
            ));
        }
        OfferStatus::Open => "still open",
        OfferStatus::Accepted => "you already accepted it",
        OfferStatus::Declined => "you declined it",
        OfferStatus::Expired => "it expired before it was answered",
        OfferStatus::Taken => "another contractor accepted the lead first",
        OfferStatus::Withdrawn => "NRP withdrew it (the lead was assigned by hand or cancelled)",
    };
    ServiceError::conflict(format!("this offer is {}: {what}", status_name(o.status)))
}

fn snapshots(kind: OfferEventKind, offers: &[offer::Model], l: &lead::Model) -> Vec<Event> {
    let summary = LeadSummary::from(l);
    offers.iter().map(|o| Event::Offer { kind, offer: OfferSnapshot::new(o, &summary) }).collect()
}

/// The caller's own offer, or `NOT_FOUND` (other contractors' offers are not theirs to know of).
async fn own_offer(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<offer::Model> {
    let cid = meta.principal.acting_contractor("answer offers")?;
    match store::offers::find(&ctx.db, id).await? {
        Some(o) if o.contractor_id == cid => Ok(o),
        _ => Err(ServiceError::not_found("offer")),
    }
}

/// Notes that the contractor opened its offer in the app (the first time counts): an urgent
/// offer opened in time is not followed by an SMS.
pub async fn mark_seen(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<bool> {
    let o = own_offer(ctx, meta, id).await?;
    if o.seen_at.is_some() {
        return Ok(false);
    }
    Ok(store::offers::mark_seen(&ctx.db, o.id, Utc::now()).await?)
}

async fn locked_lead(txn: &DatabaseTransaction, id: Uuid) -> ServiceResult<lead::Model> {
    store::leads::lock(txn, id).await?.ok_or_else(|| ServiceError::not_found("lead"))
}

/// When the customer of this lead must have been contacted (service level by urgency).
fn contact_due(ctx: &AppContext, l: &lead::Model, now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(ctx.config.contact_sla_for(l.urgency)).unwrap_or(chrono::Duration::hours(24))
}

/// Opens the job's timeline.
async fn job_created(txn: &DatabaseTransaction, meta: &RequestMeta, j: &job::Model) -> ServiceResult<()> {
    store::jobs::insert_event(
        txn,
        store::jobs::NewJobEvent {
            job_id: j.id,
            kind: entities::JobEventKind::Created,
            from_status: None,
            to_status: Some(j.status),
            actor: meta.principal.audit_actor(),
            actor_public: crate::access::public_actor(txn, &meta.principal).await?,
            note: None,
        },
    )
    .await?;
    Ok(())
}

/// What an accept produced.
pub struct Accepted {
    pub lead: lead::Model,
    pub job: job::Model,
}

/// Accepts an offer: exactly one accept per lead wins, on any number of instances.
#[tracing::instrument(skip_all, fields(offer_id = %offer_id))]
pub async fn accept(ctx: &AppContext, meta: &RequestMeta, offer_id: Uuid) -> ServiceResult<Accepted> {
    let o = own_offer(ctx, meta, offer_id).await?;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, o.lead_id).await?;
    let now = Utc::now();
    if !store::offers::close_if_open(&txn, o.id, OfferStatus::Accepted, now, Some(now), None).await? {
        let current = store::offers::find(&txn, o.id).await?.unwrap_or(o);
        return Err(closed(&current, now));
    }
    if l.status != LeadStatus::Offering {
        return Err(ServiceError::conflict("this lead is no longer being offered"));
    }
    let c =
        store::contractors::find(&txn, o.contractor_id).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    if c.status != ContractorStatus::Active {
        return Err(ServiceError::Forbidden("your company is not active, so it cannot take new work".into()));
    }
    if !store::contractors::take_job_slot(&txn, c.id).await? {
        let now_at = store::contractors::find(&txn, c.id).await?.unwrap_or(c);
        return Err(ServiceError::conflict(format!(
            "you are at capacity ({} of {} active jobs); finish a job first",
            now_at.active_jobs, now_at.max_active_jobs
        )));
    }
    let previous = l.status;
    let l = store::leads::transition(&txn, l, LeadStatus::Assigned, |am| {
        am.assigned_contractor_id = Set(Some(c.id));
        am.assigned_at = Set(Some(now));
    })
    .await?;
    let job = store::jobs::insert(&txn, l.id, c.id, Some(o.id), contact_due(ctx, &l, now)).await?;
    job_created(&txn, meta, &job).await?;
    let taken = store::offers::close_open_for_lead(&txn, l.id, OfferStatus::Taken, now).await?;
    let waited = super::scoring::response_secs(&c.base_postcode, o.created_at, now);
    store::contractors::record_offer_decision(&txn, c.id, true, Some(waited)).await?;
    super::scoring::rescore(&txn, &ctx.config, c.id, now).await?;
    super::audit::record(
        &txn,
        meta,
        "offer.accepted",
        "lead",
        Some(l.id),
        json!({ "offerId": o.id, "jobId": job.id, "contractorId": c.id, "taken": taken.iter().map(|t| t.id).collect::<Vec<_>>() }),
    )
    .await?;
    let mine = store::offers::find(&txn, o.id).await?.unwrap_or(o);
    let mut events = snapshots(OfferEventKind::Accepted, std::slice::from_ref(&mine), &l);
    events.extend(snapshots(OfferEventKind::Taken, &taken, &l));
    events.push(Event::Lead(LeadUpdate::of(&l, Some(previous))));
    super::commit(ctx, txn, events).await?;
    Ok(Accepted { lead: l, job })
}

/// Declines an offer; the next candidate gets one at once.
#[tracing::instrument(skip_all, fields(offer_id = %offer_id))]
pub async fn decline(
    ctx: &AppContext,
    meta: &RequestMeta,
    offer_id: Uuid,
    reason: Option<String>,
) -> ServiceResult<offer::Model> {
    let o = own_offer(ctx, meta, offer_id).await?;
    let now = Utc::now();
    let ahead = super::routing::plan_ahead(ctx, o.lead_id, now).await;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, o.lead_id).await?;
    if !store::offers::close_if_open(&txn, o.id, OfferStatus::Declined, now, Some(now), reason.clone()).await? {
        let current = store::offers::find(&txn, o.id).await?.unwrap_or(o);
        return Err(closed(&current, now));
    }
    let base = store::contractors::find(&txn, o.contractor_id).await?.map(|c| c.base_postcode).unwrap_or_default();
    let waited = super::scoring::response_secs(&base, o.created_at, now);
    store::contractors::record_offer_decision(&txn, o.contractor_id, false, Some(waited)).await?;
    super::scoring::rescore(&txn, &ctx.config, o.contractor_id, now).await?;
    let mine = store::offers::find(&txn, o.id).await?.unwrap_or(o);
    let mut events = snapshots(OfferEventKind::Declined, std::slice::from_ref(&mine), &l);
    if l.status == LeadStatus::Offering {
        let filled = super::routing::fill(ctx, &txn, l, now, ahead).await?;
        events.extend(filled.events);
    }
    super::audit::record(
        &txn,
        meta,
        "offer.declined",
        "lead",
        Some(mine.lead_id),
        json!({ "offerId": mine.id, "reason": reason }),
    )
    .await?;
    super::commit(ctx, txn, events).await?;
    Ok(mine)
}

/// Routes a lead that is still `NEW` (right after intake, or by the sweeper). `None` if it had
/// moved on already.
pub async fn route_new(ctx: &AppContext, lead_id: Uuid) -> ServiceResult<Option<lead::Model>> {
    let now = Utc::now();
    let ahead = super::routing::plan_ahead(ctx, lead_id, now).await;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, lead_id).await?;
    if l.status != LeadStatus::New {
        return Ok(None);
    }
    let filled = super::routing::fill(ctx, &txn, l, now, ahead).await?;
    super::commit(ctx, txn, filled.events).await?;
    Ok(Some(filled.lead))
}

/// Expires every open offer past its time, each exactly once across instances, and cascades.
/// Returns how many this call expired.
pub async fn expire_due(ctx: &AppContext) -> ServiceResult<usize> {
    let meta = RequestMeta::system();
    let now = Utc::now();
    let mut expired = 0;
    for o in store::offers::due(&ctx.db, now, 200).await? {
        let ahead = super::routing::plan_ahead(ctx, o.lead_id, now).await;
        let txn = ctx.db.begin().await?;
        let l = locked_lead(&txn, o.lead_id).await?;
        if !store::offers::close_if_open(&txn, o.id, OfferStatus::Expired, now, None, None).await? {
            continue; // another instance got there first
        }
        store::contractors::record_offer_decision(&txn, o.contractor_id, false, None).await?;
        // Recomputed by the maintenance worker: the sweep expires many offers in a row.
        store::scores::mark_dirty(&txn, o.contractor_id).await?;
        let mine = store::offers::find(&txn, o.id).await?.unwrap_or(o);
        let mut events = snapshots(OfferEventKind::Expired, std::slice::from_ref(&mine), &l);
        if l.status == LeadStatus::Offering {
            events.extend(super::routing::fill(ctx, &txn, l, now, ahead).await?.events);
        }
        super::audit::record(&txn, &meta, "offer.expired", "lead", Some(mine.lead_id), json!({ "offerId": mine.id }))
            .await?;
        super::commit(ctx, txn, events).await?;
        expired += 1;
    }
    Ok(expired)
}

/// Routes leads stranded in `NEW` (their instance died between intake and routing).
pub async fn route_stranded(ctx: &AppContext) -> ServiceResult<usize> {
    let ids = store::leads::stranded_new(&ctx.db, Utc::now() - chrono::Duration::seconds(10), 50).await?;
    let mut n = 0;
    for id in ids {
        if route_new(ctx, id).await?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}

/// Withdraws every open offer of a contractor (it was suspended) and tops each lead up from the
/// next candidates. One transaction per lead, in the usual lock order.
pub async fn withdraw_open_for_contractor(
    ctx: &AppContext,
    meta: &RequestMeta,
    contractor_id: Uuid,
) -> ServiceResult<usize> {
    let open = store::offers::for_contractor(&ctx.db, contractor_id, Some(OfferStatus::Open), 10_000).await?;
    let mut withdrawn = 0;
    for o in open {
        let now = Utc::now();
        let ahead = super::routing::plan_ahead(ctx, o.lead_id, now).await;
        let txn = ctx.db.begin().await?;
        let l = locked_lead(&txn, o.lead_id).await?;
        if !store::offers::close_if_open(&txn, o.id, OfferStatus::Withdrawn, now, None, None).await? {
            continue;
        }
        let mine = store::offers::find(&txn, o.id).await?.unwrap_or(o);
        let mut events = snapshots(OfferEventKind::Withdrawn, std::slice::from_ref(&mine), &l);
        if l.status == LeadStatus::Offering {
            events.extend(super::routing::fill(ctx, &txn, l, now, ahead).await?.events);
        }
        super::audit::record(
            &txn,
            meta,
            "offer.withdrawn",
            "lead",
            Some(mine.lead_id),
            json!({ "offerId": mine.id, "contractorId": contractor_id }),
        )
        .await?;
        super::commit(ctx, txn, events).await?;
        withdrawn += 1;
    }
    Ok(withdrawn)
}

/// Admin: gives the lead to a contractor directly, withdrawing open offers.
#[tracing::instrument(skip_all, fields(lead_id = %lead_id))]
pub async fn assign(
    ctx: &AppContext,
    meta: &RequestMeta,
    lead_id: Uuid,
    contractor_id: Uuid,
) -> ServiceResult<Accepted> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, lead_id).await?;
    if !l.status.can_transition_to(LeadStatus::Assigned) {
        return Err(ServiceError::conflict(format!("a {} lead cannot be assigned", lead_status_name(l.status))));
    }
    let c = store::contractors::find(&txn, contractor_id)
        .await?
        .ok_or_else(|| ServiceError::validation("contractorId", "no such contractor"))?;
    if c.status != ContractorStatus::Active {
        return Err(ServiceError::validation("contractorId", "only an ACTIVE contractor can be assigned work"));
    }
    let now = Utc::now();
    let withdrawn = store::offers::close_open_for_lead(&txn, l.id, OfferStatus::Withdrawn, now).await?;
    let previous = l.status;
    let l = store::leads::transition(&txn, l, LeadStatus::Assigned, |am| {
        am.assigned_contractor_id = Set(Some(c.id));
        am.assigned_at = Set(Some(now));
    })
    .await?;
    let job = store::jobs::insert(&txn, l.id, c.id, None, contact_due(ctx, &l, now)).await?;
    job_created(&txn, meta, &job).await?;
    store::contractors::add_active_jobs(&txn, c.id, 1).await?;
    super::audit::record(
        &txn,
        meta,
        "lead.assigned",
        "lead",
        Some(l.id),
        json!({ "contractorId": c.id, "jobId": job.id, "from": previous }),
    )
    .await?;
    let mut events = snapshots(OfferEventKind::Withdrawn, &withdrawn, &l);
    events.push(Event::Lead(LeadUpdate::of(&l, Some(previous))));
    super::commit(ctx, txn, events).await?;
    Ok(Accepted { lead: l, job })
}

/// Admin: runs routing again for an unassigned (or still offering) lead. Contractors offered
/// before are not offered again.
#[tracing::instrument(skip_all, fields(lead_id = %lead_id))]
pub async fn reroute(ctx: &AppContext, meta: &RequestMeta, lead_id: Uuid) -> ServiceResult<lead::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, lead_id).await?;
    if !matches!(l.status, LeadStatus::New | LeadStatus::Offering | LeadStatus::Unassigned) {
        return Err(ServiceError::conflict(format!(
            "only NEW, OFFERING or UNASSIGNED leads can be re-routed; this one is {}",
            lead_status_name(l.status)
        )));
    }
    // An admin's rare action: ranked under the lock.
    let filled = super::routing::fill(ctx, &txn, l, Utc::now(), None).await?;
    super::audit::record(&txn, meta, "lead.rerouted", "lead", Some(lead_id), json!({ "status": filled.lead.status }))
        .await?;
    super::commit(ctx, txn, filled.events).await?;
    Ok(filled.lead)
}

/// Admin: releases a lead wrongly held as a `DUPLICATE` (another property, another event) into
/// routing, with the reason, audited: `DUPLICATE → NEW`, then routed at once in the same
/// transaction. The lead it was taken for a copy of stays named in `duplicateOf`.
#[tracing::instrument(skip_all, fields(lead_id = %lead_id))]
pub async fn release_duplicate(
    ctx: &AppContext,
    meta: &RequestMeta,
    lead_id: Uuid,
    reason: String,
) -> ServiceResult<lead::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, lead_id).await?;
    if l.status != LeadStatus::Duplicate {
        return Err(ServiceError::conflict(format!(
            "only a DUPLICATE lead can be released; this one is {}",
            lead_status_name(l.status)
        )));
    }
    let duplicate_of = l.duplicate_of;
    let released = store::leads::transition(&txn, l, LeadStatus::New, |_| {}).await?;
    super::audit::record(
        &txn,
        meta,
        "lead.duplicate_released",
        "lead",
        Some(lead_id),
        json!({ "reason": reason, "duplicateOf": duplicate_of, "status": { "from": LeadStatus::Duplicate, "to": LeadStatus::New } }),
    )
    .await?;
    let mut filled = super::routing::fill(ctx, &txn, released, Utc::now(), None).await?;
    filled.events.push(Event::Lead(LeadUpdate::of(&filled.lead, Some(LeadStatus::Duplicate))));
    super::commit(ctx, txn, filled.events).await?;
    Ok(filled.lead)
}

/// Admin: cancels a lead that no one works on yet, withdrawing open offers.
#[tracing::instrument(skip_all, fields(lead_id = %lead_id))]
pub async fn cancel(
    ctx: &AppContext,
    meta: &RequestMeta,
    lead_id: Uuid,
    reason: Option<String>,
) -> ServiceResult<lead::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let l = locked_lead(&txn, lead_id).await?;
    if !matches!(l.status, LeadStatus::New | LeadStatus::Offering | LeadStatus::Unassigned) {
        return Err(ServiceError::conflict(format!("a {} lead cannot be cancelled here", lead_status_name(l.status))));
    }
    let now = Utc::now();
    let withdrawn = store::offers::close_open_for_lead(&txn, l.id, OfferStatus::Withdrawn, now).await?;
    let previous = l.status;
    let l = store::leads::transition(&txn, l, LeadStatus::Cancelled, |_| {}).await?;
    super::audit::record(
        &txn,
        meta,
        "lead.cancelled",
        "lead",
        Some(l.id),
        json!({ "reason": reason, "from": previous }),
    )
    .await?;
    let mut events = snapshots(OfferEventKind::Withdrawn, &withdrawn, &l);
    events.push(Event::Lead(LeadUpdate::of(&l, Some(previous))));
    super::commit(ctx, txn, events).await?;
    Ok(l)
}

/// The wire name of a lead status.
pub fn lead_status_name(s: LeadStatus) -> &'static str {
    match s {
        LeadStatus::New => "NEW",
        LeadStatus::Offering => "OFFERING",
        LeadStatus::Assigned => "ASSIGNED",
        LeadStatus::Completed => "COMPLETED",
        LeadStatus::Unassigned => "UNASSIGNED",
        LeadStatus::Cancelled => "CANCELLED",
        LeadStatus::Duplicate => "DUPLICATE",
    }
}

/// Every offer still open for a contractor, with its lead summary: what a (re)connecting
/// subscriber is sent first.
pub async fn open_for_contractor(ctx: &AppContext, contractor_id: Uuid) -> ServiceResult<Vec<OfferSnapshot>> {
    let open = store::offers::for_contractor(&ctx.db, contractor_id, Some(OfferStatus::Open), 500).await?;
    let lead_ids: Vec<Uuid> = open.iter().map(|o| o.lead_id).collect();
    let leads = store::leads::find_many(&ctx.db, &lead_ids).await?;
    let now = Utc::now();
    Ok(open
        .iter()
        .filter(|o| o.expires_at > now)
        .filter_map(|o| leads.iter().find(|l| l.id == o.lead_id).map(|l| OfferSnapshot::new(o, &LeadSummary::from(l))))
        .collect())
}

/// Where these offers of a contractor stand now, as events (`TAKEN`, `EXPIRED`, …) for a
/// subscriber that may have missed what happened to them. Offers still open are left out.
pub async fn closed_since(
    ctx: &AppContext,
    contractor_id: Uuid,
    ids: &[Uuid],
) -> ServiceResult<Vec<(OfferEventKind, OfferSnapshot)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let offers = store::offers::of_contractor(&ctx.db, contractor_id, ids).await?;
    let lead_ids: Vec<Uuid> = offers.iter().map(|o| o.lead_id).collect();
    let leads = store::leads::find_many(&ctx.db, &lead_ids).await?;
    let now = Utc::now();
    Ok(offers
        .iter()
        .filter_map(|o| {
            let kind = match o.status {
                OfferStatus::Open if o.expires_at > now => return None,
                OfferStatus::Open | OfferStatus::Expired => OfferEventKind::Expired,
                OfferStatus::Accepted => OfferEventKind::Accepted,
                OfferStatus::Declined => OfferEventKind::Declined,
                OfferStatus::Taken => OfferEventKind::Taken,
                OfferStatus::Withdrawn => OfferEventKind::Withdrawn,
            };
            let l = leads.iter().find(|l| l.id == o.lead_id)?;
            Some((kind, OfferSnapshot::new(o, &LeadSummary::from(l))))
        })
        .collect())
}

/// A contractor's offers (newest first), optionally in one status.
pub async fn mine(
    ctx: &AppContext,
    meta: &RequestMeta,
    status: Option<OfferStatus>,
    limit: u64,
) -> ServiceResult<Vec<OfferSnapshot>> {
    let cid = meta.principal.acting_contractor("have offers")?;
    let offers = store::offers::for_contractor(&ctx.db, cid, status, limit).await?;
    let lead_ids: Vec<Uuid> = offers.iter().map(|o| o.lead_id).collect();
    let leads = store::leads::find_many(&ctx.db, &lead_ids).await?;
    Ok(offers
        .iter()
        .filter_map(|o| leads.iter().find(|l| l.id == o.lead_id).map(|l| OfferSnapshot::new(o, &LeadSummary::from(l))))
        .collect())
}

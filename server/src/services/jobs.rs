//! The job lifecycle: the state machine and who may make each move, the timeline, notes,
//! ratings and service levels.
//!
//! Policy: every move is a conditional update from the status the caller saw (so two people
//! pressing "next" at once cannot both succeed) and writes its timeline entry and audit entry in
//! the same transaction. Moves follow lead lock order (lead row first) where the lead changes too.

use chrono::{DateTime, Duration, Utc};
use entities::{JobEventKind, JobStatus, LeadStatus, job, job_event, lead};
use sea_orm::{DatabaseTransaction, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::access::Scope;
use crate::access::records::{JobRole, job_role as role, may_move, may_rate, works_job};
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::capture::CaptureInput;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, JobUpdate, LeadUpdate};
use crate::store;
use crate::store::jobs::{JobFilter, JobOrder, NewJobEvent};

/// Largest amount a quote or approval may carry: A$100 million.
pub const MAX_AMOUNT_CENTS: i64 = 10_000_000_000;

fn name(s: JobStatus) -> &'static str {
    match s {
        JobStatus::AwaitingContact => "AWAITING_CONTACT",
        JobStatus::Contacted => "CONTACTED",
        JobStatus::Inspected => "INSPECTED",
        JobStatus::Quoted => "QUOTED",
        JobStatus::Approved => "APPROVED",
        JobStatus::InProgress => "IN_PROGRESS",
        JobStatus::Completed => "COMPLETED",
        JobStatus::Cancelled => "CANCELLED",
    }
}

fn names(list: &[JobStatus]) -> String {
    if list.is_empty() {
        "nothing (the job is closed)".into()
    } else {
        list.iter().map(|s| name(*s)).collect::<Vec<_>>().join(", ")
    }
}

/// A requested move with what it carries.
#[derive(Debug, Default)]
pub struct Advance {
    pub to: Option<JobStatus>,
    pub note: Option<String>,
    pub quote_cents: Option<i64>,
    pub approved_cents: Option<i64>,
    pub scheduled_for: Option<DateTime<Utc>>,
}

async fn load(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<(job::Model, lead::Model, JobRole)> {
    meta.principal.require_authenticated()?;
    let j = store::jobs::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("job"))?;
    let l = store::leads::find(&ctx.db, j.lead_id).await?.ok_or_else(|| ServiceError::not_found("job"))?;
    let r = role(&meta.principal, &j, &l).ok_or_else(|| ServiceError::not_found("job"))?;
    Ok((j, l, r))
}

/// A job the caller may see, with the caller's role on it.
pub async fn get(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<(job::Model, JobRole)> {
    let (j, _, r) = load(ctx, meta, id).await?;
    Ok((j, r))
}

/// Moves a job one stage on. An illegal move is `BAD_USER_INPUT` naming the moves allowed from
/// here; a legal move the caller may not make is `FORBIDDEN`.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn advance(ctx: &AppContext, meta: &RequestMeta, id: Uuid, a: Advance) -> ServiceResult<job::Model> {
    let (j, l, r) = load(ctx, meta, id).await?;
    let to = a.to.ok_or_else(|| ServiceError::validation("input.to", "say which status to move to"))?;
    if to == JobStatus::Cancelled {
        return Err(ServiceError::validation("input.to", "use cancelJob, which takes a reason"));
    }
    if !j.status.can_transition_to(to) {
        return Err(ServiceError::validation(
            "input.to",
            format!(
                "a {} job cannot move to {}; from here it can move to: {}",
                name(j.status),
                name(to),
                names(&j.status.allowed_next())
            ),
        ));
    }
    if !may_move(r, to) {
        let who = if to == JobStatus::Approved {
            "an NRP admin or the lead's insurer"
        } else {
            "the contractor or an NRP admin"
        };
        return Err(ServiceError::Forbidden(format!("only {who} can move a job to {}", name(to))));
    }
    let now = Utc::now();
    // Only what this move sets is written.
    let mut am = job::ActiveModel { status: Set(to), ..Default::default() };
    match to {
        JobStatus::Contacted => am.contacted_at = Set(Some(now)),
        JobStatus::Quoted => {
            let q = a
                .quote_cents
                .ok_or_else(|| ServiceError::validation("input.quoteCents", "a quote needs its amount"))?;
            if !(1..=MAX_AMOUNT_CENTS).contains(&q) {
                return Err(ServiceError::validation(
                    "input.quoteCents",
                    "the quote must be between 1 and 10,000,000,000 cents",
                ));
            }
            am.quote_cents = Set(Some(q));
        }
        JobStatus::Approved => {
            let v = a
                .approved_cents
                .ok_or_else(|| ServiceError::validation("input.approvedCents", "an approval needs its amount"))?;
            let quote = j.quote_cents.unwrap_or(0);
            if v < 1 || v > quote {
                return Err(ServiceError::validation(
                    "input.approvedCents",
                    format!("the approved amount must be between 1 cent and the quote ({quote} cents)"),
                ));
            }
            am.approved_cents = Set(Some(v));
        }
        JobStatus::InProgress => am.started_at = Set(Some(now)),
        JobStatus::Completed => am.completed_at = Set(Some(now)),
        _ => {}
    }
    if let Some(when) = a.scheduled_for {
        am.scheduled_for = Set(Some(when));
    }

    let txn = ctx.db.begin().await?;
    let lead_now = if to == JobStatus::Completed { store::leads::lock(&txn, l.id).await? } else { None };
    let moved = store::jobs::move_stage(&txn, j.id, j.status, am)
        .await?
        .ok_or_else(|| ServiceError::conflict("the job changed at the same time; reload it and try again"))?;
    store::jobs::insert_event(
        &txn,
        NewJobEvent {
            job_id: j.id,
            kind: JobEventKind::Transition,
            from_status: Some(j.status),
            to_status: Some(to),
            actor: meta.principal.audit_actor(),
            actor_public: crate::access::public_actor(&txn, &meta.principal).await?,
            note: a.note.clone(),
        },
    )
    .await?;
    let mut events = vec![];
    if let Some(lead_locked) = lead_now {
        let previous = lead_locked.status;
        let done = store::leads::transition(&txn, lead_locked, LeadStatus::Completed, |lam| {
            lam.completed_at = Set(Some(now));
        })
        .await?;
        store::contractors::add_active_jobs(&txn, j.contractor_id, -1).await?;
        super::payouts::record_for_completed_job(ctx, &txn, meta, &moved).await?;
        events.push(Event::Lead(LeadUpdate::of(&done, Some(previous))));
    }
    super::audit::record(
        &txn,
        meta,
        "job.moved",
        "job",
        Some(j.id),
        json!({ "status": { "from": j.status, "to": to }, "quoteCents": moved.quote_cents, "approvedCents": moved.approved_cents, "note": a.note }),
    )
    .await?;
    events.push(Event::Job(JobUpdate::of(&moved, &l, Some(j.status), None)));
    super::scoring::rescore(&txn, &ctx.config, j.contractor_id, now).await?;
    super::commit(ctx, txn, events).await?;
    Ok(moved)
}

/// Cancels an open job (admins and the contractor), with a reason. The lead goes back to the
/// admin queue (`UNASSIGNED`) to be assigned again or re-routed.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn cancel(ctx: &AppContext, meta: &RequestMeta, id: Uuid, reason: String) -> ServiceResult<job::Model> {
    let (j, l, r) = load(ctx, meta, id).await?;
    if !works_job(r) {
        return Err(ServiceError::Forbidden("only the contractor or an NRP admin can cancel a job".into()));
    }
    if !j.status.is_open() {
        return Err(ServiceError::conflict(format!("a {} job cannot be cancelled", name(j.status))));
    }
    let txn = ctx.db.begin().await?;
    let locked = store::leads::lock(&txn, l.id).await?.ok_or_else(|| ServiceError::not_found("lead"))?;
    let (moved, events) = cancel_locked(ctx, &txn, meta, &j, locked, &reason).await?;
    super::audit::record(&txn, meta, "job.cancelled", "job", Some(j.id), json!({ "from": j.status, "reason": reason }))
        .await?;
    super::commit(ctx, txn, events).await?;
    Ok(moved)
}

/// Cancels the open job `j` inside the caller's transaction, which holds its lead's lock
/// (`locked`): the move on the timeline, the lead back to the queue (`UNASSIGNED`), the company's
/// job slot freed and its score recomputed. Returns the job and the events to publish.
pub(crate) async fn cancel_locked(
    ctx: &AppContext,
    txn: &DatabaseTransaction,
    meta: &RequestMeta,
    j: &job::Model,
    locked: lead::Model,
    reason: &str,
) -> ServiceResult<(job::Model, Vec<Event>)> {
    let am = job::ActiveModel {
        status: Set(JobStatus::Cancelled),
        cancelled_reason: Set(Some(reason.to_string())),
        ..Default::default()
    };
    let moved = store::jobs::move_stage(txn, j.id, j.status, am)
        .await?
        .ok_or_else(|| ServiceError::conflict("the job changed at the same time; reload it and try again"))?;
    store::jobs::insert_event(
        txn,
        NewJobEvent {
            job_id: j.id,
            kind: JobEventKind::Transition,
            from_status: Some(j.status),
            to_status: Some(JobStatus::Cancelled),
            actor: meta.principal.audit_actor(),
            actor_public: crate::access::public_actor(txn, &meta.principal).await?,
            note: Some(reason.to_string()),
        },
    )
    .await?;
    let previous = locked.status;
    if !previous.can_transition_to(LeadStatus::Unassigned) {
        return Err(ServiceError::conflict("the job's lead changed at the same time; reload it and try again"));
    }
    let requeued = store::leads::transition(txn, locked, LeadStatus::Unassigned, |lam| {
        lam.assigned_contractor_id = Set(None);
        lam.assigned_at = Set(None);
    })
    .await?;
    store::contractors::add_active_jobs(txn, j.contractor_id, -1).await?;
    super::scoring::rescore(txn, &ctx.config, j.contractor_id, Utc::now()).await?;
    let events = vec![
        Event::Job(JobUpdate::of(&moved, &requeued, Some(j.status), None)),
        Event::Lead(LeadUpdate::of(&requeued, Some(previous))),
    ];
    Ok((moved, events))
}

/// Adds a note to the timeline (anyone who may see the job).
/// With a capture (a note written on site), a resend under the same key answers with the first.
pub async fn add_note(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    note: String,
    capture: Option<CaptureInput>,
) -> ServiceResult<job_event::Model> {
    let (j, _, _) = load(ctx, meta, id).await?;
    let capture = capture.map(|c| c.check(j.created_at)).transpose()?;
    let client_key = capture.as_ref().map(|c| c.client_key.clone());
    if let Some(k) = &client_key
        && let Some(first) = store::jobs::event_by_client_key(&ctx.db, j.id, k).await?
    {
        return same_note(first, &note);
    }
    let written = async {
        let txn = ctx.db.begin().await?;
        let e = store::jobs::insert_captured_event(
            &txn,
            NewJobEvent {
                job_id: j.id,
                kind: JobEventKind::Note,
                from_status: None,
                to_status: None,
                actor: meta.principal.audit_actor(),
                actor_public: crate::access::public_actor(&txn, &meta.principal).await?,
                note: Some(note.clone()),
            },
            capture.as_ref(),
        )
        .await?;
        super::audit::record(&txn, meta, "job.noted", "job", Some(j.id), json!({ "eventId": e.id })).await?;
        txn.commit().await?;
        Ok::<_, ServiceError>(e)
    }
    .await;
    if written.is_err()
        && let Some(k) = &client_key
        && let Some(first) = store::jobs::event_by_client_key(&ctx.db, j.id, k).await?
    {
        // A concurrent copy of the same resend got in first.
        return same_note(first, &note);
    }
    written
}

fn same_note(first: job_event::Model, note: &str) -> ServiceResult<job_event::Model> {
    if first.kind == JobEventKind::Note && first.note.as_deref() == Some(note) {
        Ok(first)
    } else {
        Err(ServiceError::conflict_on("capture.clientKey", "this key was already used for another note on this job"))
    }
}

/// Records the customer's satisfaction (1–5) on a completed job, once; it feeds the contractor's
/// rating. Admins and the lead's partners record it.
pub async fn rate(ctx: &AppContext, meta: &RequestMeta, id: Uuid, score: i32) -> ServiceResult<job::Model> {
    if !(1..=5).contains(&score) {
        return Err(ServiceError::validation("score", "the score is 1 to 5"));
    }
    let (j, _, r) = load(ctx, meta, id).await?;
    if !may_rate(r) {
        return Err(ServiceError::Forbidden("a contractor cannot rate its own job".into()));
    }
    if j.status != JobStatus::Completed {
        return Err(ServiceError::conflict(format!(
            "only a COMPLETED job can be rated; this one is {}",
            name(j.status)
        )));
    }
    let by = if meta.principal.is_admin() { "NRP" } else { "PARTNER" };
    record_rating(ctx, meta, &j, score, None, crate::access::public_actor(&ctx.db, &meta.principal).await?, by).await
}

/// The customer's own rating of a completed job, from the signed link in its completion message
/// (no login): 1 to 5 and an optional comment, once. It feeds the contractor's satisfaction.
pub async fn rate_by_customer(
    ctx: &AppContext,
    token: &str,
    score: i32,
    comment: Option<String>,
) -> ServiceResult<job::Model> {
    let j = rating_job(ctx, token).await?;
    if !(1..=5).contains(&score) {
        return Err(ServiceError::validation("score", "choose 1 to 5 stars"));
    }
    let comment = comment.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(ServiceError::validation("comment", "keep the comment under 2,000 characters"));
    }
    if j.satisfaction_by.as_deref() == Some("CUSTOMER") {
        return Err(ServiceError::conflict("this job has been rated already; thank you"));
    }
    let meta = RequestMeta::system();
    record_rating(ctx, &meta, &j, score, comment, "the customer".into(), "CUSTOMER").await
}

/// The completed job a rating link names, if the link is good.
pub async fn rating_job(ctx: &AppContext, token: &str) -> ServiceResult<job::Model> {
    use crate::auth::links::{Purpose, Refused, open};
    let id = open(ctx.jwt.link_key(), Purpose::Rate, token, Utc::now()).map_err(|r| match r {
        Refused::Expired => ServiceError::validation("token", "this rating link has expired"),
        Refused::Invalid => ServiceError::validation("token", "this link is not valid"),
    })?;
    let j = store::jobs::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("job"))?;
    if j.status != JobStatus::Completed {
        return Err(ServiceError::conflict("this job is not finished"));
    }
    Ok(j)
}

/// Writes a rating once (a second one is a conflict), with its timeline entry and audit. The
/// customer's own rating replaces one recorded on their behalf (by NRP or the partner): the
/// customer's word stands, and the contractor's average swaps the one score for the other.
async fn record_rating(
    ctx: &AppContext,
    meta: &RequestMeta,
    j: &job::Model,
    score: i32,
    comment: Option<String>,
    shown_as: String,
    by: &str,
) -> ServiceResult<job::Model> {
    let txn = ctx.db.begin().await?;
    match (by, j.satisfaction) {
        ("CUSTOMER", Some(previous)) => {
            if !store::jobs::replace_rating_by_customer(&txn, j.id, previous, score, comment.clone()).await? {
                return Err(ServiceError::conflict("this job has been rated already"));
            }
            store::contractors::replace_rating(&txn, j.contractor_id, previous, score).await?;
        }
        _ => {
            if !store::jobs::rate_once(&txn, j.id, score, comment.clone(), by).await? {
                return Err(ServiceError::conflict("this job has been rated already"));
            }
            store::contractors::record_rating(&txn, j.contractor_id, score).await?;
        }
    }
    store::jobs::insert_event(
        &txn,
        NewJobEvent {
            job_id: j.id,
            kind: JobEventKind::Rated,
            from_status: None,
            to_status: None,
            actor: meta.principal.audit_actor(),
            actor_public: shown_as,
            note: Some(match &comment {
                Some(c) => format!("{score}/5: {c}"),
                None => format!("{score}/5"),
            }),
        },
    )
    .await?;
    super::audit::record(&txn, meta, "job.rated", "job", Some(j.id), json!({ "score": score, "comment": comment }))
        .await?;
    let rated = store::jobs::find(&txn, j.id).await?.ok_or_else(|| ServiceError::not_found("job"))?;
    super::scoring::rescore(&txn, &ctx.config, j.contractor_id, Utc::now()).await?;
    txn.commit().await?;
    Ok(rated)
}

/// Jobs the caller may see: all for admins, their own for contractors, their leads' for partners.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: JobFilter,
    order: JobOrder,
    after: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<job::Model>, u64)> {
    match crate::access::scope(&meta.principal)? {
        Scope::Everything => {}
        Scope::Contractor(c) => {
            filter.contractor_id = Some(c);
            // A cancelled job's lead is no longer the contractor's to read: such jobs are listed
            // only when asked for by status, so a list of one's work never trips over them.
            filter.hide_cancelled = true;
        }
        Scope::Partner(p) => filter.partner_id = Some(p),
    }
    let rows = store::jobs::page(&ctx.db, &filter, order, after, limit).await?;
    let total = store::jobs::count(&ctx.db, &filter).await?;
    Ok((rows, total))
}

/// A job filter as the store takes it: the days of creation as instants on NRP's clock (`to`
/// inclusive), a range that ends before it starts refused on `to_field`. Shared with the CSV.
pub fn filter(
    zone: chrono_tz::Tz,
    status: Option<JobStatus>,
    contractor_id: Option<Uuid>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    to_field: &str,
) -> ServiceResult<JobFilter> {
    let (created_from, created_before) = crate::domain::zones::day_range(zone, from, to, to_field)?;
    Ok(JobFilter { status, contractor_id, created_from, created_before, ..Default::default() })
}

/// The jobs a list shows (same filter, order and scope), as CSV: at most
/// [`super::csv_out::MAX_ROWS`]; more is `BAD_USER_INPUT` asking for a narrower filter.
pub async fn list_csv(
    ctx: &AppContext,
    meta: &RequestMeta,
    filter: JobFilter,
    order: JobOrder,
) -> ServiceResult<String> {
    let (rows, total) = list(ctx, meta, filter, order, None, super::csv_out::MAX_ROWS).await?;
    super::csv_out::fits(total, "jobs", "dates, stage")?;
    let leads = store::leads::by_id(&ctx.db, rows.iter().map(|j| j.lead_id)).await?;
    let companies: std::collections::HashMap<Uuid, String> =
        store::contractors::find_many(&ctx.db, &rows.iter().map(|j| j.contractor_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|c| (c.id, c.company_name))
            .collect();
    use super::leads::wire_name as wire;
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "job_id",
        "created_at",
        "stage",
        "contractor",
        "suburb",
        "state",
        "postcode",
        "damage",
        "urgency",
        "quote_aud",
        "approved_aud",
        "completed_at",
    ])?;
    for j in &rows {
        let l = leads.get(&j.lead_id);
        w.row([
            j.id.to_string(),
            j.created_at.to_rfc3339(),
            name(j.status).to_string(),
            companies.get(&j.contractor_id).cloned().unwrap_or_default(),
            l.map(|l| l.suburb.clone()).unwrap_or_default(),
            l.map(|l| l.state.clone()).unwrap_or_default(),
            l.map(|l| l.postcode.clone()).unwrap_or_default(),
            l.map(|l| wire(&l.damage_type)).unwrap_or_default(),
            l.map(|l| wire(&l.urgency)).unwrap_or_default(),
            j.quote_cents.map(super::payouts::dollars).unwrap_or_default(),
            j.approved_cents.map(super::payouts::dollars).unwrap_or_default(),
            j.completed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// Why a job needs an admin's attention, if it does.
pub fn alert(ctx: &AppContext, j: &job::Model, now: DateTime<Utc>) -> Option<&'static str> {
    if !j.status.is_open() {
        return None;
    }
    if j.status == JobStatus::AwaitingContact && j.contact_due_at.is_some_and(|d| d < now) {
        return Some("CONTACT_OVERDUE");
    }
    let idle = Duration::from_std(ctx.config.job_idle_after).unwrap_or(Duration::days(7));
    if j.stage_entered_at.is_some_and(|s| s < now - idle) {
        return Some("IDLE");
    }
    None
}

/// Admins: open jobs past their contact deadline or idle in a stage, oldest stage first.
pub async fn overdue(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Vec<(job::Model, &'static str)>> {
    meta.principal.require_admin()?;
    let now = Utc::now();
    let idle = Duration::from_std(ctx.config.job_idle_after).unwrap_or(Duration::days(7));
    let rows = store::jobs::overdue(&ctx.db, now, now - idle, 500).await?;
    Ok(rows.into_iter().filter_map(|j| alert(ctx, &j, now).map(|a| (j, a))).collect())
}

/// Background: tells admins (live) about jobs that became overdue, once per stage, exactly once
/// across instances.
pub async fn flag_overdue(ctx: &AppContext) -> ServiceResult<usize> {
    let now = Utc::now();
    let idle = Duration::from_std(ctx.config.job_idle_after).unwrap_or(Duration::days(7));
    let mut n = 0;
    for j in store::jobs::overdue(&ctx.db, now, now - idle, 200).await? {
        if j.overdue_flagged_at.is_some() {
            continue;
        }
        let Some(reason) = alert(ctx, &j, now) else { continue };
        // Flagged once across instances; the alerts are written with the flag.
        let txn = ctx.db.begin().await?;
        if !store::jobs::flag_overdue(&txn, j.id, j.status, now).await? {
            txn.rollback().await?;
            continue;
        }
        let events = match store::leads::find(&txn, j.lead_id).await? {
            Some(l) => vec![Event::Job(JobUpdate::of(&j, &l, None, Some(reason)))],
            None => vec![],
        };
        // A missed contact deadline counts against the contact term from now on (recomputed by
        // the maintenance worker, as this sweep flags many jobs in a row).
        store::scores::mark_dirty(&txn, j.contractor_id).await?;
        super::commit(ctx, txn, events).await?;
        n += 1;
    }
    Ok(n)
}

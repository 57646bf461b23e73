//! Insurance claims: lodged by the lead's insurer (or an admin), assessed and decided by the
//! insurer, settled. The insurer updates only its own claims; the contractor of the lead's job
//! and the lead's partners read them.

use chrono::Utc;
use entities::{ClaimStatus, claim, lead};
use sea_orm::{Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::access::Scope;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::add_business_days;
use crate::error::{ServiceError, ServiceResult};
use crate::services::jobs::MAX_AMOUNT_CENTS;
use crate::store;
use crate::store::claims::{ClaimFilter, ClaimOrder, ClaimPosition, NewClaim};

/// Business days an insurer has to decide (General Insurance Code of Practice).
pub const DECISION_BUSINESS_DAYS: u32 = 10;

fn name(s: ClaimStatus) -> &'static str {
    match s {
        ClaimStatus::Lodged => "LODGED",
        ClaimStatus::Assessing => "ASSESSING",
        ClaimStatus::Approved => "APPROVED",
        ClaimStatus::PartiallyApproved => "PARTIALLY_APPROVED",
        ClaimStatus::Declined => "DECLINED",
        ClaimStatus::Settled => "SETTLED",
    }
}

fn amount(v: i64, field: &str) -> ServiceResult<i64> {
    if (0..=MAX_AMOUNT_CENTS).contains(&v) {
        Ok(v)
    } else {
        Err(ServiceError::validation(field, "amounts are 0 to 10,000,000,000 cents"))
    }
}

/// A claim to lodge, already parsed.
pub struct Lodgement {
    pub lead_id: Uuid,
    pub claim_number: Option<String>,
    pub claimed_cents: i64,
    pub excess_cents: i64,
}

#[tracing::instrument(skip_all)]
pub async fn lodge(ctx: &AppContext, meta: &RequestMeta, n: Lodgement) -> ServiceResult<claim::Model> {
    meta.principal.require_authenticated()?;
    let l = super::leads::get(ctx, meta, n.lead_id).await.map_err(|e| match e {
        ServiceError::NotFound(_) => ServiceError::validation("input.leadId", "no such lead"),
        other => other,
    })?;
    let insurer = l
        .insurer_id
        .ok_or_else(|| ServiceError::validation("input.leadId", "this lead has no insurer to claim with"))?;
    if !crate::access::records::may_lodge_claim(&meta.principal, insurer) {
        return Err(ServiceError::Forbidden("only the lead's insurer or an NRP admin can lodge its claim".into()));
    }
    let claim_number = n.claim_number.or(l.claim_number.clone()).ok_or_else(|| {
        ServiceError::validation("input.claimNumber", "a claim number is required (the lead has none)")
    })?;
    let claimed = amount(n.claimed_cents, "input.claimedCents")?;
    let excess = amount(n.excess_cents, "input.excessCents")?;
    let now = Utc::now();
    let (due_on, due_at) = decision_due(now, crate::domain::zones::zone_of(&l.state, &l.postcode));
    let txn = ctx.db.begin().await?;
    if store::claims::find_by_lead(&txn, l.id).await?.is_some() {
        return Err(ServiceError::conflict_on("input.leadId", "this lead already has a claim"));
    }
    let c = store::claims::insert(
        &txn,
        NewClaim {
            lead_id: l.id,
            insurer_id: insurer,
            claim_number,
            claimed_cents: claimed,
            excess_cents: excess,
            lodged_at: now,
            decision_due_on: due_on,
            decision_due_at: due_at,
        },
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "claim.lodged",
        "claim",
        Some(c.id),
        json!({ "leadId": l.id, "claimNumber": c.claim_number, "claimedCents": claimed, "excessCents": excess }),
    )
    .await?;
    super::webhooks::enqueue(&txn, &partners_of(&l), "claim.lodged", claim_json(&c)).await?;
    txn.commit().await?;
    Ok(c)
}

/// A change to a claim; `None` leaves a field as it is.
#[derive(Default)]
pub struct ClaimChange {
    pub status: Option<ClaimStatus>,
    pub approved_cents: Option<i64>,
    pub excess_cents: Option<i64>,
    pub note: Option<String>,
}

#[tracing::instrument(skip_all, fields(claim_id = %id))]
pub async fn update(ctx: &AppContext, meta: &RequestMeta, id: Uuid, ch: ClaimChange) -> ServiceResult<claim::Model> {
    let (c, l) = get(ctx, meta, id).await?;
    if !crate::access::records::may_update_claim(&meta.principal, &c) {
        return Err(ServiceError::Forbidden("only the claim's insurer or an NRP admin can update it".into()));
    }
    let mut am = claim::ActiveModel::default();
    let now = Utc::now();
    if let Some(to) = ch.status {
        if !c.status.can_transition_to(to) {
            let allowed: Vec<&str> = c.status.allowed_next().into_iter().map(name).collect();
            let allowed =
                if allowed.is_empty() { "nothing (the claim is closed)".to_string() } else { allowed.join(", ") };
            return Err(ServiceError::validation(
                "input.status",
                format!("a {} claim cannot move to {}; from here it can move to: {allowed}", name(c.status), name(to)),
            ));
        }
        am.status = Set(to);
        match to {
            ClaimStatus::Approved => {
                if ch.approved_cents.is_some_and(|v| v != c.claimed_cents) {
                    return Err(ServiceError::validation(
                        "input.approvedCents",
                        "an APPROVED claim is approved in full; use PARTIALLY_APPROVED for less",
                    ));
                }
                am.approved_cents = Set(Some(c.claimed_cents));
                am.decided_at = Set(Some(now));
            }
            ClaimStatus::PartiallyApproved => {
                let v = ch
                    .approved_cents
                    .ok_or_else(|| ServiceError::validation("input.approvedCents", "say how much is approved"))?;
                if v <= 0 || v >= c.claimed_cents {
                    return Err(ServiceError::validation(
                        "input.approvedCents",
                        format!(
                            "a partial approval is more than 0 and less than the claimed {} cents",
                            c.claimed_cents
                        ),
                    ));
                }
                am.approved_cents = Set(Some(v));
                am.decided_at = Set(Some(now));
            }
            ClaimStatus::Declined => {
                am.approved_cents = Set(Some(0));
                am.decided_at = Set(Some(now));
            }
            ClaimStatus::Settled => am.settled_at = Set(Some(now)),
            _ => {}
        }
    } else if ch.approved_cents.is_some() {
        return Err(ServiceError::validation(
            "input.approvedCents",
            "an approved amount goes with a decision (status)",
        ));
    }
    if let Some(e) = ch.excess_cents {
        if c.status == ClaimStatus::Settled {
            return Err(ServiceError::conflict("a SETTLED claim cannot change"));
        }
        am.excess_cents = Set(amount(e, "input.excessCents")?);
    }
    if ch.note.is_some() {
        am.decision_note = Set(ch.note.clone());
    }
    let txn = ctx.db.begin().await?;
    let updated = store::claims::update_from(&txn, c.id, c.status, am)
        .await?
        .ok_or_else(|| ServiceError::conflict("the claim changed at the same time; reload it and try again"))?;
    super::audit::record(
        &txn,
        meta,
        "claim.updated",
        "claim",
        Some(c.id),
        super::audit::diff(vec![
            ("status", json!(c.status), json!(updated.status)),
            ("approvedCents", json!(c.approved_cents), json!(updated.approved_cents)),
            ("excessCents", json!(c.excess_cents), json!(updated.excess_cents)),
            ("note", json!(c.decision_note), json!(updated.decision_note)),
        ]),
    )
    .await?;
    super::webhooks::enqueue(&txn, &partners_of(&l), "claim.updated", claim_json(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The partners a lead's events go to: its source and its insurer.
fn partners_of(l: &lead::Model) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = l.source_partner_id.into_iter().chain(l.insurer_id).collect();
    ids.dedup();
    ids
}

/// A claim as webhook receivers see it.
fn claim_json(c: &claim::Model) -> serde_json::Value {
    json!({ "claimId": c.id, "leadId": c.lead_id, "claimNumber": c.claim_number, "status": c.status,
            "claimedCents": c.claimed_cents, "approvedCents": c.approved_cents, "excessCents": c.excess_cents,
            "decisionDueOn": c.decision_due_on, "decisionNote": c.decision_note })
}

/// A claim the caller may read, with its lead.
pub async fn get(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<(claim::Model, lead::Model)> {
    meta.principal.require_authenticated()?;
    let c = store::claims::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("claim"))?;
    let l = store::leads::find(&ctx.db, c.lead_id).await?.ok_or_else(|| ServiceError::not_found("claim"))?;
    if !crate::access::records::may_read_claim(&meta.principal, &c, &l) {
        return Err(ServiceError::not_found("claim"));
    }
    Ok((c, l))
}

/// Claims the caller may see: all for admins, their leads' for partners, their jobs' for contractors.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: ClaimFilter,
    order: ClaimOrder,
    after: Option<ClaimPosition>,
    limit: u64,
) -> ServiceResult<(Vec<claim::Model>, u64)> {
    match crate::access::scope(&meta.principal)? {
        Scope::Everything => {}
        Scope::Partner(p) => filter.partner_id = Some(p),
        Scope::Contractor(c) => filter.contractor_id = Some(c),
    }
    let rows = store::claims::page(&ctx.db, &filter, order, after, limit).await?;
    let total = store::claims::count(&ctx.db, &filter).await?;
    Ok((rows, total))
}

/// A claim filter as the store takes it: the days of lodgement as instants on NRP's clock (`to`
/// inclusive; a range that ends before it starts refused on `to_field`), `overdue` meaning
/// undecided past the decision date as of now. Shared by the list and its CSV.
pub fn filter(
    zone: chrono_tz::Tz,
    status: Option<ClaimStatus>,
    overdue: bool,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    to_field: &str,
) -> ServiceResult<ClaimFilter> {
    let (lodged_from, lodged_before) = crate::domain::zones::day_range(zone, from, to, to_field)?;
    Ok(ClaimFilter { status, overdue_at: overdue.then(Utc::now), lodged_from, lodged_before, ..Default::default() })
}

/// The claims a list shows (same filter, order and scope), as CSV: at most
/// [`super::csv_out::MAX_ROWS`]; more is `BAD_USER_INPUT` asking for a narrower filter.
pub async fn list_csv(
    ctx: &AppContext,
    meta: &RequestMeta,
    filter: ClaimFilter,
    order: ClaimOrder,
) -> ServiceResult<String> {
    let (rows, total) = list(ctx, meta, filter, order, None, super::csv_out::MAX_ROWS).await?;
    super::csv_out::fits(total, "claims", "dates, status")?;
    let leads = store::leads::by_id(&ctx.db, rows.iter().map(|c| c.lead_id)).await?;
    let insurers: std::collections::HashMap<Uuid, String> =
        store::partners::find_many(&ctx.db, &rows.iter().map(|c| c.insurer_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
    let dollars = super::payouts::dollars;
    let now = Utc::now();
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "claim_id",
        "claim_number",
        "insurer",
        "status",
        "lodged_at",
        "decision_due_on",
        "decision_overdue",
        "claimed_aud",
        "approved_aud",
        "excess_aud",
        "decided_at",
        "settled_at",
        "lead_id",
        "suburb",
        "state",
        "postcode",
    ])?;
    for c in &rows {
        let l = leads.get(&c.lead_id);
        w.row([
            c.id.to_string(),
            c.claim_number.clone(),
            insurers.get(&c.insurer_id).cloned().unwrap_or_default(),
            name(c.status).to_string(),
            c.lodged_at.to_rfc3339(),
            c.decision_due_on.to_string(),
            decision_overdue(c, now).to_string(),
            dollars(c.claimed_cents),
            c.approved_cents.map(dollars).unwrap_or_default(),
            dollars(c.excess_cents),
            c.decided_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            c.settled_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            c.lead_id.to_string(),
            l.map(|l| l.suburb.clone()).unwrap_or_default(),
            l.map(|l| l.state.clone()).unwrap_or_default(),
            l.map(|l| l.postcode.clone()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// A list cursor: the claim's decision date and id, so either order can continue from it.
pub fn encode_position(c: &claim::Model) -> String {
    use chrono::Datelike;
    super::cursor::encode(i64::from(c.decision_due_on.num_days_from_ce()), c.id)
}

pub fn decode_position(cursor: Option<&str>) -> ServiceResult<Option<ClaimPosition>> {
    let Some((days, id)) = super::cursor::decode(cursor)? else { return Ok(None) };
    let due_on = i32::try_from(days)
        .ok()
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| ServiceError::validation("after", "not a valid cursor"))?;
    Ok(Some(ClaimPosition { id, due_on }))
}

/// The decision date of a claim lodged at `lodged`, and the instant that date ends. The Code of
/// Practice counts business days on the property's clock: a claim lodged on a Monday morning in
/// Sydney is lodged on Monday, whatever the date in UTC.
pub fn decision_due(lodged: chrono::DateTime<Utc>, zone: chrono_tz::Tz) -> (chrono::NaiveDate, chrono::DateTime<Utc>) {
    use crate::domain::zones::{local_date, start_of_day};
    let due_on = add_business_days(local_date(lodged, zone), DECISION_BUSINESS_DAYS);
    (due_on, start_of_day(due_on + chrono::Duration::days(1), zone))
}

/// Undecided and past the end of the decision date on the property's clock.
pub fn decision_overdue(c: &claim::Model, now: chrono::DateTime<Utc>) -> bool {
    let past = match c.decision_due_at {
        Some(at) => now >= at,
        None => now.date_naive() > c.decision_due_on,
    };
    !c.status.is_decided() && past
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};
    use chrono_tz::Australia;

    use super::decision_due;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_decision_date_counts_from_the_lodgement_day_on_the_propertys_clock() {
        // 08:00 Monday 5 October 2026 in Sydney (daylight saving began the day before) is
        // 21:00 Sunday in UTC: counted from Sunday the deadline would be Friday 16 October.
        let (on, at) = decision_due(utc("2026-10-04T21:00:00Z"), Australia::Sydney);
        assert_eq!(on, NaiveDate::from_ymd_opt(2026, 10, 19).unwrap());
        assert_eq!(at, utc("2026-10-19T13:00:00Z"), "overdue from midnight at the end of the 19th, Sydney time");
        // 06:30 Monday 2 November in Perth (UTC+8, no daylight saving).
        let (on, at) = decision_due(utc("2026-11-01T22:30:00Z"), Australia::Perth);
        assert_eq!(on, NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        assert_eq!(at, utc("2026-11-16T16:00:00Z"));
        // The same instant in Adelaide is still Monday; in Brisbane too.
        assert_eq!(
            decision_due(utc("2026-11-01T22:30:00Z"), Australia::Brisbane).0,
            NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
        );
        // Lodged late on Friday in Perth, early Saturday in Sydney: the day differs, the next
        // business day does not.
        let friday_night = utc("2026-11-06T14:30:00Z"); // 22:30 Friday Perth, 01:30 Saturday Sydney
        assert_eq!(decision_due(friday_night, Australia::Perth).0, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        assert_eq!(decision_due(friday_night, Australia::Sydney).0, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        // ... and when clocks go back (5 April 2026), the due instant is Sydney midnight at UTC+10.
        let (on, at) = decision_due(utc("2026-04-05T02:00:00Z"), Australia::Sydney);
        assert_eq!(on, NaiveDate::from_ymd_opt(2026, 4, 17).unwrap());
        assert_eq!(at, utc("2026-04-17T14:00:00Z"));
    }
}

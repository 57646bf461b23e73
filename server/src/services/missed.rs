//! A contractor's missed leads (docs/DOMAIN.md, "Missed leads"): the leads of the last 30 days
//! in its area that it did not get, and why, in its own terms only. What it reads of a lead is
//! what an offer shows (suburb, postcode, damage, urgency, when), never the customer; of the
//! routing, only its own entry and the score that won, never another company's name or terms.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use entities::{OfferStatus, lead};
use uuid::Uuid;

use super::routing::Explanation;
use super::routing::rank::{Exclusion, Point, ScoreTerms, distance_km};
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::store;

/// How far back the view reaches.
pub const MISSED_WINDOW_DAYS: i64 = 30;

/// What became of the contractor's chance at a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It had an offer and declined it.
    Declined,
    /// It had an offer and let it expire.
    Expired,
    /// It had an offer; another company accepted first.
    Taken,
    /// It had an offer, withdrawn (the lead was assigned by hand or cancelled).
    Withdrawn,
    /// Its offer is still open.
    Open,
    /// It could take the lead, but others ranked higher and the offers went to them.
    Outranked,
    /// A rule left it out (`reason`).
    Excluded,
    /// Routing did not list it (it ranked below the first 50, or was not among the 200 nearest
    /// left out).
    NotListed,
}

/// One missed lead, as the contractor may see it.
pub struct Missed {
    pub lead: lead::Model,
    pub outcome: Outcome,
    pub reason: Option<Exclusion>,
    pub rank: Option<usize>,
    pub score: Option<f64>,
    pub terms: Option<ScoreTerms>,
    /// The score of the offer that was accepted, else the best score routing ranked.
    pub winning_score: Option<f64>,
}

/// The postcodes in the company's area: its own list, and those whose centre lies within its
/// radius of its base.
async fn area_postcodes(
    db: &impl sea_orm::ConnectionTrait,
    c: &entities::contractor::Model,
) -> ServiceResult<Vec<String>> {
    let mut area: HashSet<String> = store::contractors::service_postcodes_of(db, &[c.id])
        .await?
        .remove(&c.id)
        .unwrap_or_default()
        .into_iter()
        .collect();
    if let (Some(lat), Some(lon)) = (c.base_latitude, c.base_longitude) {
        let r = f64::from(c.service_radius_km.max(0));
        let dlat = r / 110.574;
        let dlon = r / (111.320 * lat.to_radians().cos().abs().max(0.01));
        let base = Point { lat, lon };
        for (postcode, plat, plon) in
            store::postcodes::within_box(db, (lat - dlat, lat + dlat), (lon - dlon, lon + dlon)).await?
        {
            if distance_km(base, Point { lat: plat, lon: plon }) <= r {
                area.insert(postcode);
            }
        }
    }
    let mut area: Vec<String> = area.into_iter().collect();
    area.sort();
    Ok(area)
}

/// The caller's company's missed leads, newest first after `before`; with how many there are.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    before: Option<Uuid>,
    limit: u64,
    now: DateTime<Utc>,
) -> ServiceResult<(Vec<Missed>, u64)> {
    let cid = meta.principal.acting_contractor("see missed leads")?;
    let c = store::contractors::find(&ctx.db, cid).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    // Only a verified member in good standing reads where the work is.
    if c.status != entities::ContractorStatus::Active {
        return Err(ServiceError::Forbidden("missed leads are for active member companies".into()));
    }
    let area = area_postcodes(&ctx.db, &c).await?;
    let since = now - Duration::days(MISSED_WINDOW_DAYS);
    let (leads, total) = store::leads::missed_page(&ctx.db, cid, &area, since, before, limit).await?;
    let ids: Vec<Uuid> = leads.iter().map(|l| l.id).collect();
    let offers = store::offers::for_leads(&ctx.db, &ids).await?;
    let missed = leads
        .into_iter()
        .map(|l| {
            let all = offers.get(&l.id).map(Vec::as_slice).unwrap_or_default();
            let explanation = l.routing.clone().and_then(|v| serde_json::from_value::<Explanation>(v).ok());
            // The accepted offer of the company that has the lead now (after an upheld return
            // the returned job's offer is accepted too), else the latest accepted one.
            let accepted = || all.iter().filter(|o| o.status == OfferStatus::Accepted);
            let won = accepted()
                .find(|o| Some(o.contractor_id) == l.assigned_contractor_id)
                .or_else(|| accepted().max_by_key(|o| o.id))
                .map(|o| o.score);
            let best = explanation.as_ref().and_then(|e| e.ranked.first()).map(|r| r.candidate.score);
            let mut m = Missed {
                winning_score: won.or(best),
                outcome: Outcome::NotListed,
                reason: None,
                rank: None,
                score: None,
                terms: None,
                lead: l,
            };
            if let Some(o) = all.iter().find(|o| o.contractor_id == cid) {
                m.outcome = match o.status {
                    OfferStatus::Declined => Outcome::Declined,
                    OfferStatus::Expired => Outcome::Expired,
                    OfferStatus::Taken => Outcome::Taken,
                    OfferStatus::Withdrawn => Outcome::Withdrawn,
                    // Accepted ones have a job and are not listed.
                    OfferStatus::Open | OfferStatus::Accepted => Outcome::Open,
                };
                m.rank = usize::try_from(o.rank).ok();
                m.score = Some(o.score);
                m.terms = serde_json::from_value::<ScoreTerms>(o.terms.clone()).ok();
            } else if let Some(e) = &explanation {
                if let Some(r) = e.ranked.iter().find(|r| r.candidate.contractor_id == cid) {
                    m.outcome = Outcome::Outranked;
                    m.rank = Some(r.rank);
                    m.score = Some(r.candidate.score);
                    m.terms = Some(r.candidate.terms);
                } else if let Some(x) = e.excluded.iter().find(|x| x.contractor_id == cid) {
                    m.outcome = Outcome::Excluded;
                    m.reason = Some(x.reason);
                }
            }
            m
        })
        .collect();
    Ok((missed, total))
}

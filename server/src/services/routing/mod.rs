//! Routing: choosing who gets offers for a lead, and keeping up to a wave of offers open.
//! `rank` is the pure formula; this module loads the facts it needs (only the contractors in
//! reach of the lead, found through the map cells of `domain::cells`) and writes the outcome.

pub mod rank;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entities::{LeadStatus, lead};
use sea_orm::{ConnectionTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};

use crate::context::AppContext;
use crate::error::ServiceResult;
use crate::events::{Event, LeadSummary, LeadUpdate, OfferEventKind, OfferSnapshot};
use crate::store::{self, offers::NewOffer};
use rank::{ContractorFacts, Excluded, Exclusion, LeadFacts, Point, Ranked};

/// How many ranked candidates and exclusions an explanation keeps (nearest first for exclusions).
const KEEP_RANKED: usize = 50;
const KEEP_EXCLUDED: usize = 200;

/// Where the lead's point came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PointSource {
    Coordinates,
    Postcode,
    Unknown,
}

/// The explanation stored on a lead after each routing run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub ran_at: DateTime<Utc>,
    pub point: Option<Point>,
    pub point_source: PointSource,
    pub wave_size: usize,
    /// Candidates best first; `offered` marks those this run made an offer to.
    pub ranked: Vec<RankedEntry>,
    pub candidate_count: usize,
    /// Exclusions, nearest first, at most `KEEP_EXCLUDED`; `excluded_counts` counts them all.
    pub excluded: Vec<Excluded>,
    pub excluded_counts: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedEntry {
    #[serde(flatten)]
    pub candidate: Ranked,
    pub rank: usize,
    pub offered: bool,
}

/// What a routing step did.
pub struct Filled {
    pub lead: lead::Model,
    pub events: Vec<Event>,
}

async fn lead_point(db: &impl ConnectionTrait, l: &lead::Model) -> ServiceResult<(Option<Point>, PointSource)> {
    if let (Some(lat), Some(lon)) = (l.latitude, l.longitude) {
        return Ok((Some(Point { lat, lon }), PointSource::Coordinates));
    }
    let c = store::postcodes::centroids(db, std::slice::from_ref(&l.postcode)).await?;
    Ok(match c.get(&l.postcode) {
        Some((lat, lon)) => (Some(Point { lat: *lat, lon: *lon }), PointSource::Postcode),
        None => (None, PointSource::Unknown),
    })
}

/// Which contractors a routing run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Those in reach of the lead (listed under its map cell, or listing its postcode); the rest
    /// are out of its area by construction and only counted.
    Reach,
    /// Every contractor: the reference the reach is checked against.
    Everyone,
}

/// The contractors a run reads, with what the candidate filter and score need, and how many it
/// left unread (all out of the area).
async fn contractor_facts(
    db: &impl ConnectionTrait,
    lead: &lead::Model,
    point: Option<Point>,
    now: DateTime<Utc>,
    scan: Scan,
) -> ServiceResult<(Vec<ContractorFacts>, usize)> {
    // Any Australian clock is at most a day ahead of UTC's date: read that much, then judge each
    // company on its own clock (a certificate is good through its expiry date there).
    let expiry_horizon = now.date_naive() + Duration::days(1);
    let (day_ago, horizon) = (now - Duration::hours(24), now - Duration::days(30));
    let (contractors, mut specialties, mut postcodes, expiries, stats, bases, unread) = match scan {
        Scan::Reach => {
            let cell =
                point.map(|p| crate::domain::cells::cell_of(crate::domain::cells::Point { lat: p.lat, lon: p.lon }));
            let (contractors, specialties, postcodes) = store::contractors::in_reach(db, cell, &lead.postcode).await?;
            let ids: Vec<uuid::Uuid> = contractors.iter().map(|c| c.id).collect();
            let expiries = store::contractors::earliest_expiries_before(db, expiry_horizon, Some(&ids)).await?;
            let stats = store::offers::recent_stats(db, day_ago, horizon, Some(&ids)).await?;
            let bases: HashMap<uuid::Uuid, Point> = contractors
                .iter()
                .filter_map(|c| Some((c.id, Point { lat: c.base_latitude?, lon: c.base_longitude? })))
                .collect();
            let total = store::contractors::total(db).await? as usize;
            let unread = total.saturating_sub(contractors.len());
            (contractors, specialties, postcodes, expiries, stats, bases, unread)
        }
        Scan::Everyone => {
            let contractors = store::contractors::all(db).await?;
            let specialties = store::contractors::all_specialties(db).await?;
            let postcodes = store::contractors::all_service_postcodes(db).await?;
            let expiries = store::contractors::earliest_expiries_before(db, expiry_horizon, None).await?;
            let stats = store::offers::recent_stats(db, day_ago, horizon, None).await?;
            let mut names: Vec<String> = contractors.iter().map(|c| c.base_postcode.clone()).collect();
            names.sort();
            names.dedup();
            let centroids = store::postcodes::centroids(db, &names).await?;
            let bases = contractors
                .iter()
                .filter_map(|c| {
                    centroids.get(&c.base_postcode).map(|(lat, lon)| (c.id, Point { lat: *lat, lon: *lon }))
                })
                .collect();
            (contractors, specialties, postcodes, expiries, stats, bases, 0)
        }
    };
    let offered: HashSet<uuid::Uuid> = store::offers::offered_contractors(db, lead.id).await?;
    let facts = contractors
        .into_iter()
        .map(|c| {
            let (recent, last) = stats.get(&c.id).copied().unwrap_or((0, None));
            ContractorFacts {
                id: c.id,
                company_name: c.company_name,
                status: c.status,
                paused_until: c.paused_until,
                specialties: specialties.remove(&c.id).unwrap_or_default(),
                service_postcodes: postcodes.remove(&c.id).unwrap_or_default(),
                base_point: bases.get(&c.id).copied(),
                service_radius_km: c.service_radius_km,
                active_jobs: c.active_jobs,
                max_active_jobs: c.max_active_jobs,
                daily_lead_cap: c.daily_lead_cap,
                offers_last_24h: recent,
                last_offered_at: last,
                has_expired_certification: expiries.get(&c.id).is_some_and(|d| {
                    *d < crate::domain::zones::local_date(now, crate::domain::zones::zone_of_postcode(&c.base_postcode))
                }),
                already_offered: offered.contains(&c.id),
                performance_score: c.performance_score,
                avg_response_secs: c.avg_response_secs,
                avg_rating: c.avg_rating,
            }
        })
        .collect();
    Ok((facts, unread))
}

/// A lead ranked: who may get it, best first, and who may not. Made before the lead's lock is
/// taken (reading and ranking are most of routing's time); the write takes the lock and keeps it
/// only if the lead has not changed since.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The lead's version when it was read.
    pub version: i64,
    pub point: Option<Point>,
    pub point_source: PointSource,
    pub ranked: Vec<Ranked>,
    pub candidate_count: usize,
    /// Nearest first, at most `KEEP_EXCLUDED`.
    pub excluded: Vec<Excluded>,
    pub excluded_counts: BTreeMap<String, usize>,
}

/// Ranks `l` as it stands (no lock, no writes).
pub async fn plan(db: &impl ConnectionTrait, l: &lead::Model, now: DateTime<Utc>, scan: Scan) -> ServiceResult<Plan> {
    let (point, point_source) = lead_point(db, l).await?;
    let facts = LeadFacts { damage_type: l.damage_type, urgency: l.urgency, postcode: l.postcode.clone(), point };
    let (contractors, unread) = contractor_facts(db, l, point, now, scan).await?;
    let (ranked, mut excluded) = rank::rank(&facts, &contractors, now);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in &excluded {
        *counts.entry(exclusion_name(e.reason).into()).or_default() += 1;
    }
    if unread > 0 {
        *counts.entry(exclusion_name(Exclusion::OutOfArea).into()).or_default() += unread;
    }
    excluded.sort_by(|a, b| match (a.distance_km, b.distance_km) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.company_name.cmp(&b.company_name),
    });
    excluded.truncate(KEEP_EXCLUDED);
    Ok(Plan {
        version: l.version,
        point,
        point_source,
        candidate_count: ranked.len(),
        ranked,
        excluded,
        excluded_counts: counts,
    })
}

/// Ranks lead `id` before its lock is taken; `None` when it cannot (the locked write then ranks
/// for itself).
pub async fn plan_ahead(ctx: &AppContext, id: uuid::Uuid, now: DateTime<Utc>) -> Option<Plan> {
    let l = store::leads::find(&ctx.db, id).await.ok()??;
    // Only a lead that routing may still fill is worth ranking.
    if !matches!(l.status, LeadStatus::New | LeadStatus::Offering) {
        return None;
    }
    plan(&ctx.db, &l, now, Scan::Reach).await.ok()
}

/// Whether a plan made before the lock still holds for `l`, locked (`store::leads::lock` adds one
/// to the version): nobody else changed the lead in between, and the contractors about to get
/// offers can still take them.
async fn still_holds(
    db: &impl ConnectionTrait,
    plan: &Plan,
    l: &lead::Model,
    need: usize,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    if l.version != plan.version + 1 {
        return Ok(false);
    }
    let chosen: Vec<uuid::Uuid> = plan.ranked.iter().take(need).map(|r| r.contractor_id).collect();
    let current = store::contractors::find_many(db, &chosen).await?;
    Ok(current.len() == chosen.len()
        && current.iter().all(|c| {
            c.status == entities::ContractorStatus::Active
                && c.paused_until.is_none_or(|u| u <= now)
                && c.active_jobs < c.max_active_jobs
        }))
}

/// Tops the lead up to a full wave of open offers from the best remaining candidates; when none
/// are open and none remain, the lead becomes `UNASSIGNED`. The caller holds the lead lock
/// (`store::leads::lock`) and commits. `ahead` is a plan made before the lock
/// ([`plan_ahead`]); it is used if it still holds, else the lead is ranked again here.
pub async fn fill(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    l: lead::Model,
    now: DateTime<Utc>,
    ahead: Option<Plan>,
) -> ServiceResult<Filled> {
    let open = store::offers::open_count(db, l.id).await? as usize;
    let wave = ctx.config.offer_wave_size;
    let need = wave.saturating_sub(open);
    let ranking = match ahead {
        Some(p) if still_holds(db, &p, &l, need, now).await? => p,
        _ => plan(db, &l, now, Scan::Reach).await?,
    };
    let expires_at = now + Duration::from_std(ctx.config.offer_expiry_for(l.urgency)).unwrap_or(Duration::minutes(15));
    let summary = LeadSummary::from(&l);
    let mut events = Vec::new();
    for (i, r) in ranking.ranked.iter().take(need).enumerate() {
        let o = store::offers::insert(
            db,
            NewOffer {
                lead_id: l.id,
                contractor_id: r.contractor_id,
                rank: i as i32 + 1,
                score: r.score,
                terms: serde_json::to_value(r.terms).unwrap_or_default(),
                distance_km: r.distance_km,
                expires_at,
            },
            now,
        )
        .await?;
        events.push(Event::Offer { kind: OfferEventKind::Offered, offer: OfferSnapshot::new(&o, &summary) });
    }
    let offered_now = events.len();
    let explanation = Explanation {
        ran_at: now,
        point: ranking.point,
        point_source: ranking.point_source,
        wave_size: wave,
        candidate_count: ranking.candidate_count,
        ranked: ranking
            .ranked
            .into_iter()
            .take(KEEP_RANKED)
            .enumerate()
            .map(|(i, candidate)| RankedEntry { candidate, rank: i + 1, offered: i < offered_now })
            .collect(),
        excluded: ranking.excluded,
        excluded_counts: ranking.excluded_counts,
    };

    let previous = l.status;
    let next = if open + offered_now > 0 { LeadStatus::Offering } else { LeadStatus::Unassigned };
    let first_offer = next == LeadStatus::Offering && offered_now > 0 && l.first_offered_at.is_none();
    let edit = |am: &mut lead::ActiveModel| {
        am.routing = Set(Some(serde_json::to_value(&explanation).unwrap_or_default()));
        if first_offer {
            am.first_offered_at = Set(Some(now));
        }
    };
    let saved = if next != previous {
        store::leads::transition(db, l, next, edit).await?
    } else {
        let mut am = l.into_active_model();
        edit(&mut am);
        store::leads::save(db, am).await?
    };
    if next != previous {
        events.push(Event::Lead(LeadUpdate::of(&saved, Some(previous))));
    }
    Ok(Filled { lead: saved, events })
}

/// The wire name of an exclusion reason.
pub fn exclusion_name(e: Exclusion) -> &'static str {
    match e {
        Exclusion::NotActive => "NOT_ACTIVE",
        Exclusion::Paused => "PAUSED",
        Exclusion::AlreadyOffered => "ALREADY_OFFERED",
        Exclusion::NoSpecialty => "NO_SPECIALTY",
        Exclusion::OutOfArea => "OUT_OF_AREA",
        Exclusion::CertExpired => "CERT_EXPIRED",
        Exclusion::AtCapacity => "AT_CAPACITY",
        Exclusion::CapReached => "CAP_REACHED",
    }
}

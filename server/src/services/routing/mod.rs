//! Routing: choosing who gets offers for a lead, and keeping up to a wave of offers open.
//! `rank` is the pure formula; `network` holds the contractors in memory (only those in reach of
//! the lead, found through the map cells of `domain::cells`, are read); this module gathers the
//! lead's facts and writes the outcome.

pub mod network;
pub mod rank;

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entities::{LeadStatus, lead};
use sea_orm::ConnectionTrait;
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
    /// Those in reach of the lead in the in-memory network (listed under its map cell, or
    /// listing its postcode); the rest are out of its area by construction and only counted.
    Reach,
    /// Every contractor, read from the database: the reference the network is checked against.
    Everyone,
}

/// Ranks a lead against every contractor as the database holds them.
async fn rank_everyone(
    db: &impl ConnectionTrait,
    lead: &LeadFacts,
    offered: &HashSet<uuid::Uuid>,
    now: DateTime<Utc>,
    keep_ranked: usize,
) -> ServiceResult<rank::Ranking> {
    let (day_ago, horizon) = (now - network::OFFER_DAY, now - network::OFFER_HORIZON);
    let contractors = store::contractors::all(db).await?;
    let specialties = store::contractors::all_specialties(db).await?;
    let postcodes = store::contractors::all_service_postcodes(db).await?;
    let expiries = store::contractors::earliest_expiries_before(db, None, None).await?;
    let stats = store::offers::recent_stats(db, day_ago, horizon, None).await?;
    let facts = contractors.iter().map(|c| {
        let (recent, last) = stats.get(&c.id).copied().unwrap_or((0, None));
        ContractorFacts {
            id: c.id,
            company_name: &c.company_name,
            status: c.status,
            paused_until: c.paused_until,
            specialties: specialties.get(&c.id).map(Vec::as_slice).unwrap_or_default(),
            service_postcodes: postcodes.get(&c.id).map(Vec::as_slice).unwrap_or_default(),
            base_point: Point::of(c.base_latitude, c.base_longitude),
            service_radius_km: c.service_radius_km,
            active_jobs: c.active_jobs,
            max_active_jobs: c.max_active_jobs,
            daily_lead_cap: c.daily_lead_cap,
            offers_last_24h: recent,
            last_offered_at: last,
            has_expired_certification: expiries.get(&c.id).is_some_and(|d| {
                network::certification_expired(*d, now, crate::domain::zones::zone_of_postcode(&c.base_postcode))
            }),
            already_offered: offered.contains(&c.id),
            performance_score: c.performance_score,
            avg_response_secs: c.avg_response_secs,
            avg_rating: c.avg_rating,
        }
    });
    Ok(rank::rank(lead, facts, now, keep_ranked, KEEP_EXCLUDED))
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

/// Ranks `l` as it stands (no lock, no writes), reading through `db` (which may be a
/// transaction: the run then sees its changes).
pub async fn plan(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    l: &lead::Model,
    now: DateTime<Utc>,
    scan: Scan,
) -> ServiceResult<Plan> {
    let (point, point_source) = lead_point(db, l).await?;
    let facts = LeadFacts { damage_type: l.damage_type, urgency: l.urgency, postcode: l.postcode.clone(), point };
    let offered = store::offers::offered_contractors(db, l.id).await?;
    let keep = KEEP_RANKED.max(ctx.config.offer_wave_size);
    let (ranking, unread) = match scan {
        Scan::Reach => ctx.network.rank(db, &facts, &offered, now, keep, KEEP_EXCLUDED).await?,
        Scan::Everyone => (rank_everyone(db, &facts, &offered, now, keep).await?, 0),
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (reason, n) in ranking.excluded_counts {
        *counts.entry(exclusion_name(reason).into()).or_default() += n;
    }
    if unread > 0 {
        *counts.entry(exclusion_name(Exclusion::OutOfArea).into()).or_default() += unread;
    }
    Ok(Plan {
        version: l.version,
        point,
        point_source,
        candidate_count: ranking.candidate_count,
        ranked: ranking.ranked,
        excluded: ranking.excluded,
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
    // Folding in what settled keeps the run's own reading small; the run is right without it.
    if let Err(e) = ctx.network.fold_settled(&ctx.db).await {
        tracing::warn!(error = %e, "could not refresh the routing network");
    }
    plan(ctx, &ctx.db, &l, now, Scan::Reach).await.ok()
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
        _ => plan(ctx, db, &l, now, Scan::Reach).await?,
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
    let routing = serde_json::to_value(&explanation).unwrap_or_default();
    let saved = store::leads::record_routing(db, l, next, routing, first_offer.then_some(now)).await?;
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

//! The network as routing sees it, held in memory by each server instance, so a routing run
//! reads the few rows that changed instead of every contractor in reach (at national scale tens of
//! thousands for a city lead, which no query on this hardware reads and counts in the time a lead
//! may take).
//!
//! The view is kept current from the database, never from events: every change to what routing
//! knows of a contractor stamps its row on the database's clock (migration 17's triggers), and
//! offers carry their creation time. The view holds everything stamped before its *settled line*;
//! a run reads what is stamped at or after that line — through the connection it was given, so a
//! run inside a transaction sees that transaction's own changes — and lays it over the view for
//! itself alone. [`Network::refresh`] moves the line up to [`SETTLE`] behind the database's clock
//! and folds in what it passed; a change whose transaction takes longer than that to commit after
//! its stamp is picked up by the next full read ([`RELOAD_EVERY`]), as is a deleted contractor.
//! So a run sees every change committed before it started, whether or not this instance made it.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entities::{ContractorStatus, DamageType};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use super::rank::{self, ContractorFacts, LeadFacts, Point, Ranking};
use crate::domain::{cells, zones};
use crate::store;

/// How long after its stamp a change may take to commit and still be seen by the next refresh.
pub const SETTLE: Duration = Duration::seconds(5);
/// How often the view folds in what has settled (runs read less the more often it does).
pub const REFRESH_EVERY: StdDuration = StdDuration::from_secs(1);
/// How far behind the clock a still-open transaction may hold the settled line back (one open
/// longer is picked up by the next full read).
pub const HOLD_BACK: Duration = Duration::seconds(60);
/// Offers are pruned from the view this long after they leave the last day (a run's own clock
/// may be a little behind the refresh's).
const PRUNE_MARGIN: Duration = Duration::minutes(10);
/// How often the whole network is read again.
pub const RELOAD_EVERY: StdDuration = StdDuration::from_secs(300);
/// The offer history routing looks at: offers in the last day (the daily cap and the first
/// tie-break) and the last offer within 30 days (the second).
pub const OFFER_DAY: Duration = Duration::hours(24);
pub const OFFER_HORIZON: Duration = Duration::days(30);

/// Whether a certification that expires on `expiry` has expired at `now` on the clock of `zone`
/// (it is good through its expiry date there). Only a date within a day of UTC's needs the zone.
pub fn certification_expired(expiry: NaiveDate, now: DateTime<Utc>, zone: Tz) -> bool {
    let today = now.date_naive();
    if expiry + Duration::days(1) < today {
        return true;
    }
    if expiry > today + Duration::days(1) {
        return false;
    }
    expiry < zones::local_date(now, zone)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// One contractor as routing knows it.
#[derive(Debug, Clone)]
struct Entry {
    id: Uuid,
    company_name: Box<str>,
    status: ContractorStatus,
    paused_until: Option<DateTime<Utc>>,
    specialties: Box<[DamageType]>,
    service_postcodes: Box<[String]>,
    /// The clock of its base, on which its certifications expire.
    zone: Tz,
    base_point: Option<Point>,
    service_radius_km: i32,
    active_jobs: i32,
    max_active_jobs: i32,
    daily_lead_cap: Option<i32>,
    earliest_expiry: Option<NaiveDate>,
    performance_score: f64,
    avg_response_secs: Option<i64>,
    avg_rating: Option<f64>,
}

impl Entry {
    fn new(
        r: store::network::RoutingRow,
        specialties: Option<Vec<DamageType>>,
        postcodes: Option<Vec<String>>,
        earliest_expiry: Option<NaiveDate>,
    ) -> Self {
        Entry {
            id: r.id,
            company_name: r.company_name.into_boxed_str(),
            status: r.status,
            paused_until: r.paused_until,
            specialties: sorted(specialties.unwrap_or_default()).into_boxed_slice(),
            service_postcodes: sorted(postcodes.unwrap_or_default()).into_boxed_slice(),
            zone: zones::zone_of_postcode(&r.base_postcode),
            base_point: Point::of(r.base_latitude, r.base_longitude),
            service_radius_km: r.service_radius_km,
            active_jobs: r.active_jobs,
            max_active_jobs: r.max_active_jobs,
            daily_lead_cap: r.daily_lead_cap,
            earliest_expiry,
            performance_score: r.performance_score,
            avg_response_secs: r.avg_response_secs,
            avg_rating: r.avg_rating,
        }
    }

    /// The map cells its service disk touches.
    fn cells(&self) -> Vec<i32> {
        match self.base_point {
            Some(p) => cells::cells_within(cells::Point { lat: p.lat, lon: p.lon }, f64::from(self.service_radius_km)),
            None => Vec::new(),
        }
    }

    /// Whether it lists `postcode` (its list is sorted).
    fn lists(&self, postcode: &str) -> bool {
        self.service_postcodes.binary_search_by(|p| p.as_str().cmp(postcode)).is_ok()
    }

    fn same_place(&self, other: &Entry) -> bool {
        self.base_point == other.base_point
            && self.service_radius_km == other.service_radius_km
            && self.service_postcodes == other.service_postcodes
    }
}

/// A contractor's offers as the view holds them (those before the offers' settled line).
#[derive(Debug, Default)]
struct OfferLog {
    /// Creation times within the last day, oldest first.
    day: Vec<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl OfferLog {
    /// Notes an offer; its time is kept for the daily count only from `day_from` on.
    fn add(&mut self, at: DateTime<Utc>, day_from: DateTime<Utc>) {
        if at >= day_from {
            let i = self.day.partition_point(|t| *t <= at);
            self.day.insert(i, at);
        }
        self.last = Some(self.last.map_or(at, |l| Ord::max(l, at)));
    }
}

#[derive(Debug, Default)]
struct State {
    entries: Vec<Entry>,
    slot_of: HashMap<Uuid, u32>,
    by_cell: HashMap<i32, Vec<u32>>,
    /// Contractors by the postcodes they list.
    listed: HashMap<String, Vec<u32>>,
    /// By contractor; looked up for every contractor a run reads, so with a fast hash (ids are
    /// not chosen by clients).
    offers: foldhash::HashMap<Uuid, OfferLog>,
    /// Contractor changes stamped at or after this (database clock, µs) may be missing.
    settled_us: i64,
    /// Offers created at or after this are not in `offers`.
    offers_settled: DateTime<Utc>,
}

impl State {
    fn place(&mut self, slot: u32) {
        let e = &self.entries[slot as usize];
        for cell in e.cells() {
            self.by_cell.entry(cell).or_default().push(slot);
        }
        for p in e.service_postcodes.iter() {
            self.listed.entry(p.clone()).or_default().push(slot);
        }
    }

    fn unplace(&mut self, slot: u32) {
        let e = &self.entries[slot as usize];
        for cell in e.cells() {
            if let Some(v) = self.by_cell.get_mut(&cell) {
                v.retain(|s| *s != slot);
            }
        }
        for p in e.service_postcodes.iter() {
            if let Some(v) = self.listed.get_mut(p) {
                v.retain(|s| *s != slot);
            }
        }
    }

    fn put(&mut self, e: Entry) {
        match self.slot_of.get(&e.id).copied() {
            Some(slot) => {
                let moved = !self.entries[slot as usize].same_place(&e);
                if moved {
                    self.unplace(slot);
                }
                self.entries[slot as usize] = e;
                if moved {
                    self.place(slot);
                }
            }
            None => {
                let slot = self.entries.len() as u32;
                self.slot_of.insert(e.id, slot);
                self.entries.push(e);
                self.place(slot);
            }
        }
    }

    fn log_offers(&mut self, offers: Vec<(Uuid, DateTime<Utc>)>, now: DateTime<Utc>) {
        let (day_ago, horizon) = (now - OFFER_DAY - PRUNE_MARGIN, now - OFFER_HORIZON - PRUNE_MARGIN);
        for (contractor, at) in offers {
            self.offers.entry(contractor).or_default().add(at, day_ago);
        }
        self.offers.retain(|_, log| {
            let old = log.day.partition_point(|t| *t < day_ago);
            log.day.drain(..old);
            log.last.is_some_and(|l| l >= horizon)
        });
    }
}

/// What a run reads on top of the view: the contractors changed since the settled line, and the
/// offers made since the offers' line (who got each, and when).
struct Overlay {
    entries: HashMap<Uuid, Entry>,
    offers: Vec<(Uuid, DateTime<Utc>)>,
}

/// Reads the entries of these rows, with their specialties, listed postcodes and certifications.
async fn entries_of(db: &impl ConnectionTrait, rows: Vec<store::network::RoutingRow>) -> Result<Vec<Entry>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (mut specialties, mut postcodes, mut expiries) = (HashMap::new(), HashMap::new(), HashMap::new());
    for chunk in ids.chunks(10_000) {
        specialties.extend(store::contractors::specialties_of(db, chunk).await?);
        postcodes.extend(store::contractors::service_postcodes_of(db, chunk).await?);
        expiries.extend(store::contractors::earliest_expiries_before(db, None, Some(chunk)).await?);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = r.id;
            Entry::new(r, specialties.remove(&id), postcodes.remove(&id), expiries.get(&id).copied())
        })
        .collect())
}

/// The settled line for contractor changes: `settle` behind the database's clock, or where the
/// oldest open transaction began if that is earlier (by at most [`HOLD_BACK`]).
fn settled_line((clock, oldest): (i64, Option<i64>), settle: Duration) -> i64 {
    let us = |d: Duration| d.num_microseconds().unwrap_or(0);
    let line = clock - us(settle);
    match oldest {
        Some(o) => Ord::max(Ord::min(line, o), clock - us(HOLD_BACK)),
        None => line,
    }
}

/// Says that a closure's facts borrow from the entry it is given.
fn borrowing<F: for<'a> Fn(&'a Entry) -> ContractorFacts<'a>>(f: F) -> F {
    f
}

/// When the view was last brought up to date, and last read whole.
#[derive(Debug, Default)]
struct Refreshed {
    at: Option<Instant>,
    loaded: Option<Instant>,
}

/// The network routing ranks from (one per server instance, in `AppContext`).
#[derive(Debug)]
pub struct Network {
    state: RwLock<State>,
    refreshed: tokio::sync::Mutex<Refreshed>,
    settle: Duration,
}

impl Default for Network {
    fn default() -> Self {
        Self::with_settle(SETTLE)
    }
}

impl Network {
    pub fn new() -> Self {
        Self::default()
    }

    /// A network whose settled lines trail the clocks by `settle` (tests use zero to hold
    /// everything in the view).
    pub fn with_settle(settle: Duration) -> Self {
        Network { state: RwLock::default(), refreshed: tokio::sync::Mutex::default(), settle }
    }

    /// Brings the view up to date now, whatever its age (waiting for a refresh under way).
    pub async fn refresh_now(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let mut refreshed = self.refreshed.lock().await;
        refreshed.at = None;
        self.refresh_locked(db, &mut refreshed).await
    }

    /// Brings the view up to date if it is older than [`REFRESH_EVERY`], and reads the whole
    /// network again when it never has or [`RELOAD_EVERY`] has passed; does nothing while another
    /// refresh is under way (a run never waits for a whole read: what it lacks it reads itself).
    /// Through the pool only: the view must hold nothing a transaction has not committed.
    pub async fn refresh(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let Ok(mut refreshed) = self.refreshed.try_lock() else { return Ok(()) };
        self.refresh_locked(db, &mut refreshed).await
    }

    /// Folds in what settled, as [`Network::refresh`], but never reads the whole network (for a
    /// request on its way to a routing run: the background refresh does that).
    pub async fn fold_settled(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let Ok(mut refreshed) = self.refreshed.try_lock() else { return Ok(()) };
        let due = |t: Option<Instant>, every: StdDuration| t.is_none_or(|t| t.elapsed() >= every);
        if due(refreshed.loaded, RELOAD_EVERY) || !due(refreshed.at, REFRESH_EVERY) {
            return Ok(());
        }
        self.fold(db).await?;
        refreshed.at = Some(Instant::now());
        Ok(())
    }

    async fn refresh_locked(&self, db: &DatabaseConnection, refreshed: &mut Refreshed) -> Result<(), DbErr> {
        if refreshed.at.is_some_and(|t| t.elapsed() < REFRESH_EVERY) {
            return Ok(());
        }
        if refreshed.loaded.is_none_or(|t| t.elapsed() >= RELOAD_EVERY) {
            let state = self.load(db).await?;
            *self.state.write().unwrap_or_else(|e| e.into_inner()) = state;
            refreshed.loaded = Some(Instant::now());
        } else {
            self.fold(db).await?;
        }
        refreshed.at = Some(Instant::now());
        Ok(())
    }

    /// Reads the whole network.
    async fn load(&self, db: &DatabaseConnection) -> Result<State, DbErr> {
        let clock = store::network::clock_us(db).await?;
        let now = Utc::now();
        let mut state = State {
            settled_us: settled_line(clock, self.settle),
            offers_settled: now - self.settle,
            ..State::default()
        };
        let rows = store::network::rows(db, None).await?;
        let mut specialties = store::contractors::all_specialties(db).await?;
        let mut postcodes = store::contractors::all_service_postcodes(db).await?;
        let expiries = store::contractors::earliest_expiries_before(db, None, None).await?;
        state.entries.reserve(rows.len());
        for r in rows {
            let id = r.id;
            state.put(Entry::new(r, specialties.remove(&id), postcodes.remove(&id), expiries.get(&id).copied()));
        }
        let offers = store::network::offer_times(db, now - OFFER_HORIZON, Some(state.offers_settled)).await?;
        state.log_offers(offers, now);
        Ok(state)
    }

    /// Folds in the changes since the settled lines and moves them up.
    async fn fold(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        let (since, offers_from) = {
            let s = self.state.read().unwrap_or_else(|e| e.into_inner());
            (s.settled_us, s.offers_settled)
        };
        let clock = store::network::clock_us(db).await?;
        let now = Utc::now();
        let entries = entries_of(db, store::network::rows(db, Some(since)).await?).await?;
        let offers_to = Ord::max(offers_from, now - self.settle);
        let offers = store::network::offer_times(db, offers_from, Some(offers_to)).await?;
        let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
        for e in entries {
            s.put(e);
        }
        s.log_offers(offers, now);
        s.settled_us = Ord::max(since, settled_line(clock, self.settle));
        s.offers_settled = offers_to;
        Ok(())
    }

    /// How many contractors the view holds.
    pub fn len(&self) -> usize {
        self.state.read().unwrap_or_else(|e| e.into_inner()).entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ranks a lead against the network as `db` sees it now: the view, overlaid with what changed
    /// since its settled lines. Reads only the contractors under the lead's map cell and those
    /// listing its postcode; returns the ranking and how many it did not read (all out of the
    /// lead's area).
    pub async fn rank(
        &self,
        db: &impl ConnectionTrait,
        lead: &LeadFacts,
        offered: &HashSet<Uuid>,
        now: DateTime<Utc>,
        keep_ranked: usize,
        keep_excluded: usize,
    ) -> Result<(Ranking, usize), DbErr> {
        let horizon = now - OFFER_HORIZON;
        let mut tries = 0;
        loop {
            let (since, offers_from) = {
                let s = self.state.read().unwrap_or_else(|e| e.into_inner());
                (s.settled_us, s.offers_settled)
            };
            let entries = entries_of(db, store::network::rows(db, Some(since)).await?).await?;
            let offers = store::network::offer_times(db, Ord::max(offers_from, horizon), None).await?;
            let overlay = Overlay { entries: entries.into_iter().map(|e| (e.id, e)).collect(), offers };
            // A refresh may have moved the lines meanwhile; forward is fine (the offers the view
            // now holds are left out of the overlay), backward (a full read) leaves a gap.
            if let Some(ranked) =
                self.rank_with(&overlay, (since, offers_from), lead, offered, now, keep_ranked, keep_excluded)
            {
                return Ok(ranked);
            }
            tries += 1;
            if tries == 3 {
                return Err(DbErr::Custom("the routing view kept moving back".into()));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rank_with(
        &self,
        overlay: &Overlay,
        (since, offers_from): (i64, DateTime<Utc>),
        lead: &LeadFacts,
        offered: &HashSet<Uuid>,
        now: DateTime<Utc>,
        keep_ranked: usize,
        keep_excluded: usize,
    ) -> Option<(Ranking, usize)> {
        let s = self.state.read().unwrap_or_else(|e| e.into_inner());
        if s.offers_settled < offers_from || s.settled_us < since {
            return None;
        }
        let (day_ago, horizon) = (now - OFFER_DAY, now - OFFER_HORIZON);
        let mut newer: HashMap<Uuid, (i64, Option<DateTime<Utc>>)> = HashMap::new();
        for (contractor, at) in &overlay.offers {
            if *at >= s.offers_settled && *at >= horizon {
                let (n, last) = newer.entry(*contractor).or_default();
                *n += i64::from(*at >= day_ago);
                *last = Ord::max(*last, Some(*at));
            }
        }
        let facts = borrowing(|e: &Entry| {
            let logged = if s.offers.is_empty() { None } else { s.offers.get(&e.id) };
            let (mut recent, mut last) = match logged {
                Some(log) => {
                    let old = log.day.partition_point(|t| *t < day_ago);
                    ((log.day.len() - old) as i64, log.last.filter(|l| *l >= horizon))
                }
                None => (0, None),
            };
            if let Some((n, l)) = if newer.is_empty() { None } else { newer.get(&e.id) } {
                recent += n;
                last = Ord::max(last, *l);
            }
            ContractorFacts {
                id: e.id,
                company_name: &e.company_name,
                status: e.status,
                paused_until: e.paused_until,
                specialties: &e.specialties,
                service_postcodes: &e.service_postcodes,
                base_point: e.base_point,
                service_radius_km: e.service_radius_km,
                active_jobs: e.active_jobs,
                max_active_jobs: e.max_active_jobs,
                daily_lead_cap: e.daily_lead_cap,
                offers_last_24h: recent,
                last_offered_at: last,
                has_expired_certification: e.earliest_expiry.is_some_and(|d| certification_expired(d, now, e.zone)),
                already_offered: !offered.is_empty() && offered.contains(&e.id),
                performance_score: e.performance_score,
                avg_response_secs: e.avg_response_secs,
                avg_rating: e.avg_rating,
            }
        });
        // Those listing the postcode, then those under the cell who are not among them; a
        // contractor changed since the settled line is read from the overlay instead, if it
        // reaches the lead in the same sense.
        let listed: &[u32] = s.listed.get(&lead.postcode).map(Vec::as_slice).unwrap_or_default();
        let cell = lead.point.map(|p| cells::cell_of(cells::Point { lat: p.lat, lon: p.lon }));
        let under_cell: &[u32] = cell.and_then(|c| s.by_cell.get(&c)).map(Vec::as_slice).unwrap_or_default();
        let reaches = |e: &Entry| e.lists(&lead.postcode) || cell.is_some_and(|c| e.cells().binary_search(&c).is_ok());
        let from_view = listed
            .iter()
            .map(|slot| &s.entries[*slot as usize])
            .chain(under_cell.iter().map(|slot| &s.entries[*slot as usize]).filter(|e| !e.lists(&lead.postcode)))
            .filter(|e| overlay.entries.is_empty() || !overlay.entries.contains_key(&e.id));
        let mut read = 0usize;
        let contractors = from_view.chain(overlay.entries.values().filter(|e| reaches(e))).map(|e| {
            read += 1;
            facts(e)
        });
        let ranking = rank::rank(lead, contractors, now, keep_ranked, keep_excluded);
        let added = overlay.entries.keys().filter(|id| !s.slot_of.contains_key(id)).count();
        let total = s.entries.len() + added;
        Some((ranking, total.saturating_sub(read)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_settled_line_waits_for_an_open_transaction_but_not_for_ever() {
        let s = |x: i64| x * 1_000_000;
        assert_eq!(settled_line((s(1000), None), SETTLE), s(995));
        // A transaction open since 990 s may still commit changes stamped after it began.
        assert_eq!(settled_line((s(1000), Some(s(990))), SETTLE), s(990));
        assert_eq!(settled_line((s(1000), Some(s(999))), SETTLE), s(995));
        // One open for ten minutes holds the line back by a minute only.
        assert_eq!(settled_line((s(1000), Some(s(400))), SETTLE), s(940));
    }

    #[test]
    fn a_certification_expires_at_the_end_of_its_day_on_the_company_clock() {
        // 14:30 UTC on 3 December is 01:30 on the 4th in Sydney and 22:30 on the 3rd in Perth.
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 14, 30, 0).unwrap();
        let d = |day: u32| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        assert!(certification_expired(d(3), now, chrono_tz::Australia::Sydney));
        assert!(!certification_expired(d(3), now, chrono_tz::Australia::Perth));
        assert!(certification_expired(d(1), now, chrono_tz::Australia::Perth));
        assert!(!certification_expired(d(4), now, chrono_tz::Australia::Sydney));
        assert!(!certification_expired(d(9), now, chrono_tz::Australia::Sydney));
    }

    #[test]
    fn the_offer_log_counts_the_last_day_and_remembers_the_latest() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let mut s = State::default();
        let c = Uuid::from_u128(7);
        let h = |hours: i64| now - Duration::hours(hours);
        s.log_offers(vec![(c, h(2)), (c, h(30)), (c, h(1)), (c, h(20 * 24))], now);
        let log = &s.offers[&c];
        assert_eq!(log.day, vec![h(2), h(1)]);
        assert_eq!(log.last, Some(h(1)));
        // Forgotten once nothing is left within 30 days.
        s.log_offers(Vec::new(), now + Duration::days(31));
        assert!(s.offers.is_empty());
    }
}

//! The routing formula of DOMAIN.md as a pure function: who may get a lead, why others may not,
//! and in what order. No I/O here, so every rule is unit-tested.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{ContractorStatus, DamageType, Urgency};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A point on the map, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// The point of a row's two coordinate columns, when both are known.
    pub fn of(lat: Option<f64>, lon: Option<f64>) -> Option<Point> {
        Some(Point { lat: lat?, lon: lon? })
    }
}

/// Great-circle distance in kilometres.
pub fn distance_km(a: Point, b: Point) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = (b.lat - a.lat).to_radians();
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

/// What routing needs to know about the lead.
#[derive(Debug, Clone)]
pub struct LeadFacts {
    pub damage_type: DamageType,
    pub urgency: Urgency,
    pub postcode: String,
    /// The lead's coordinates, else its postcode's centroid; `None` when neither is known.
    pub point: Option<Point>,
}

/// What routing needs to know about one contractor, borrowed from wherever it is kept (a run
/// reads tens of thousands of these; only the few it keeps are copied).
#[derive(Debug, Clone, Copy)]
pub struct ContractorFacts<'a> {
    pub id: Uuid,
    pub company_name: &'a str,
    pub status: ContractorStatus,
    pub paused_until: Option<DateTime<Utc>>,
    pub specialties: &'a [DamageType],
    pub service_postcodes: &'a [String],
    /// The centroid of the base postcode, when known.
    pub base_point: Option<Point>,
    pub service_radius_km: i32,
    pub active_jobs: i32,
    pub max_active_jobs: i32,
    pub daily_lead_cap: Option<i32>,
    pub offers_last_24h: i64,
    pub last_offered_at: Option<DateTime<Utc>>,
    pub has_expired_certification: bool,
    pub already_offered: bool,
    pub performance_score: f64,
    pub avg_response_secs: Option<i64>,
    pub avg_rating: Option<f64>,
}

/// Why a contractor gets no offer for a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Exclusion {
    NotActive,
    Paused,
    AlreadyOffered,
    NoSpecialty,
    OutOfArea,
    CertExpired,
    AtCapacity,
    CapReached,
}

/// The four score terms, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreTerms {
    pub performance: f64,
    pub response: f64,
    pub availability: f64,
    pub satisfaction: f64,
}

impl ScoreTerms {
    /// `0.4·performance + 0.3·response + 0.2·availability + 0.1·satisfaction`.
    pub fn score(&self) -> f64 {
        0.4 * self.performance + 0.3 * self.response + 0.2 * self.availability + 0.1 * self.satisfaction
    }
}

/// A contractor that may get the lead, with why it ranks where it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ranked {
    pub contractor_id: Uuid,
    pub company_name: String,
    pub score: f64,
    pub terms: ScoreTerms,
    pub distance_km: Option<f64>,
    pub offers_last_24h: i64,
    pub last_offered_at: Option<DateTime<Utc>>,
}

/// A contractor that may not get the lead, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Excluded {
    pub contractor_id: Uuid,
    pub company_name: String,
    pub reason: Exclusion,
    pub distance_km: Option<f64>,
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// The score terms of a contractor for a lead of this urgency.
pub fn terms(c: &ContractorFacts, urgency: Urgency) -> ScoreTerms {
    let horizon = if urgency.is_urgent() { 24.0 * 3600.0 } else { 48.0 * 3600.0 };
    let response = match c.avg_response_secs {
        None => 0.5,
        Some(secs) => clamp01((horizon - secs as f64) / horizon),
    };
    let availability = if c.max_active_jobs > 0 {
        clamp01(1.0 - f64::from(c.active_jobs) / f64::from(c.max_active_jobs))
    } else {
        0.0
    };
    let satisfaction = match c.avg_rating {
        None => 0.5,
        Some(r) => clamp01((r - 1.0) / 4.0),
    };
    ScoreTerms { performance: clamp01(c.performance_score), response, availability, satisfaction }
}

/// The first rule a contractor fails, in the order of DOMAIN.md's candidate filter.
pub fn exclusion(lead: &LeadFacts, c: &ContractorFacts, now: DateTime<Utc>) -> (Option<Exclusion>, Option<f64>) {
    let distance = match (lead.point, c.base_point) {
        (Some(a), Some(b)) => Some(distance_km(a, b)),
        _ => None,
    };
    let covers =
        c.service_postcodes.contains(&lead.postcode) || distance.is_some_and(|d| d <= f64::from(c.service_radius_km));
    // The area comes first: routing reads only the contractors in reach of the lead and counts
    // the rest, who are all out of the area, without reading them.
    let reason = if !covers {
        Some(Exclusion::OutOfArea)
    } else if c.status != ContractorStatus::Active {
        Some(Exclusion::NotActive)
    } else if c.paused_until.is_some_and(|u| u > now) {
        Some(Exclusion::Paused)
    } else if c.already_offered {
        Some(Exclusion::AlreadyOffered)
    } else if !c.specialties.contains(&lead.damage_type) {
        Some(Exclusion::NoSpecialty)
    } else if c.has_expired_certification {
        Some(Exclusion::CertExpired)
    } else if c.active_jobs >= c.max_active_jobs {
        Some(Exclusion::AtCapacity)
    } else if c.daily_lead_cap.is_some_and(|cap| c.offers_last_24h >= i64::from(cap)) {
        Some(Exclusion::CapReached)
    } else {
        None
    };
    (reason, distance)
}

/// A candidate while a run ranks: a `Ranked` that still borrows its name.
struct Candidate<'a> {
    name: &'a str,
    score: f64,
    terms: ScoreTerms,
    distance_km: Option<f64>,
    offers_last_24h: i64,
    last_offered_at: Option<DateTime<Utc>>,
    id: Uuid,
}

/// Best first: higher score, then fewer offers in the last 24 h, then longest since the last
/// offer (never offered counts as longest), then id — a fair rotation among equals.
fn best_first(a: &Candidate, b: &Candidate) -> Ordering {
    b.score
        .partial_cmp(&a.score)
        .unwrap_or(Ordering::Equal)
        .then(a.offers_last_24h.cmp(&b.offers_last_24h))
        .then_with(|| match (a.last_offered_at, b.last_offered_at) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(&y),
        })
        .then(a.id.cmp(&b.id))
}

/// An exclusion while a run ranks.
struct Exclude<'a> {
    name: &'a str,
    reason: Exclusion,
    distance_km: Option<f64>,
    id: Uuid,
}

/// Nearest first (an unknown distance last), then by name and id.
fn nearest_first(a: &Exclude, b: &Exclude) -> Ordering {
    match (a.distance_km, b.distance_km) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.name.cmp(b.name))
    .then(a.id.cmp(&b.id))
}

/// The `keep` first in `order` of the items pushed, holding at most twice that many at a time
/// (a city lead at national scale has tens of thousands of candidates; a run keeps fifty).
struct Kept<T, F> {
    items: Vec<T>,
    keep: usize,
    order: F,
}

impl<T, F: Fn(&T, &T) -> Ordering> Kept<T, F> {
    fn new(keep: usize, order: F) -> Self {
        Kept { items: Vec::new(), keep, order }
    }

    fn push(&mut self, item: T) {
        if self.keep == 0 {
            return;
        }
        if self.items.len() >= self.keep.saturating_mul(2) {
            self.items.select_nth_unstable_by(self.keep - 1, &self.order);
            self.items.truncate(self.keep);
        }
        self.items.push(item);
    }

    /// The first `keep`, sorted.
    fn into_sorted(mut self) -> Vec<T> {
        if self.items.len() > self.keep {
            self.items.select_nth_unstable_by(self.keep - 1, &self.order);
        }
        self.items.truncate(self.keep);
        self.items.sort_by(self.order);
        self.items
    }
}

/// What a run found: the best candidates, the nearest exclusions, and how many of each there were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranking {
    /// Best first, at most the number asked for.
    pub ranked: Vec<Ranked>,
    pub candidate_count: usize,
    /// Nearest first, at most the number asked for.
    pub excluded: Vec<Excluded>,
    /// Every exclusion, by reason.
    pub excluded_counts: HashMap<Exclusion, usize>,
}

/// Splits contractors into candidates and exclusions, keeping the best `keep_ranked` candidates
/// (best first) and the nearest `keep_excluded` exclusions and counting the rest; only those kept
/// are copied.
pub fn rank<'a>(
    lead: &LeadFacts,
    contractors: impl IntoIterator<Item = ContractorFacts<'a>>,
    now: DateTime<Utc>,
    keep_ranked: usize,
    keep_excluded: usize,
) -> Ranking {
    let mut candidates = Kept::new(keep_ranked, best_first);
    let mut candidate_count = 0;
    let mut excluded = Kept::new(keep_excluded, nearest_first);
    let mut excluded_counts: HashMap<Exclusion, usize> = HashMap::new();
    for c in contractors {
        let (reason, distance_km) = exclusion(lead, &c, now);
        match reason {
            Some(reason) => {
                *excluded_counts.entry(reason).or_default() += 1;
                excluded.push(Exclude { name: c.company_name, reason, distance_km, id: c.id });
            }
            None => {
                let terms = terms(&c, lead.urgency);
                candidate_count += 1;
                candidates.push(Candidate {
                    name: c.company_name,
                    score: terms.score(),
                    terms,
                    distance_km,
                    offers_last_24h: c.offers_last_24h,
                    last_offered_at: c.last_offered_at,
                    id: c.id,
                });
            }
        }
    }
    let ranked = candidates
        .into_sorted()
        .into_iter()
        .map(|c| Ranked {
            contractor_id: c.id,
            company_name: c.name.to_string(),
            score: c.score,
            terms: c.terms,
            distance_km: c.distance_km,
            offers_last_24h: c.offers_last_24h,
            last_offered_at: c.last_offered_at,
        })
        .collect();
    let excluded = excluded
        .into_sorted()
        .into_iter()
        .map(|e| Excluded {
            contractor_id: e.id,
            company_name: e.name.to_string(),
            reason: e.reason,
            distance_km: e.distance_km,
        })
        .collect();
    Ranking { ranked, candidate_count, excluded, excluded_counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYDNEY: Point = Point { lat: -33.86, lon: 151.21 };
    const PARRAMATTA: Point = Point { lat: -33.82, lon: 151.01 };
    const MELBOURNE: Point = Point { lat: -37.81, lon: 144.97 };

    fn lead() -> LeadFacts {
        LeadFacts {
            damage_type: DamageType::Water,
            urgency: Urgency::Medium,
            postcode: "2000".into(),
            point: Some(SYDNEY),
        }
    }

    fn contractor(n: u128) -> ContractorFacts<'static> {
        ContractorFacts {
            id: Uuid::from_u128(n),
            company_name: "C",
            status: ContractorStatus::Active,
            paused_until: None,
            specialties: &[DamageType::Water],
            service_postcodes: &[],
            base_point: Some(PARRAMATTA),
            service_radius_km: 50,
            active_jobs: 0,
            max_active_jobs: 5,
            daily_lead_cap: None,
            offers_last_24h: 0,
            last_offered_at: None,
            has_expired_certification: false,
            already_offered: false,
            performance_score: 0.5,
            avg_response_secs: None,
            avg_rating: None,
        }
    }

    #[test]
    fn distances_match_known_city_pairs() {
        assert!((distance_km(SYDNEY, MELBOURNE) - 714.0).abs() < 5.0);
        assert!((distance_km(SYDNEY, PARRAMATTA) - 19.0).abs() < 2.0);
        assert_eq!(distance_km(SYDNEY, SYDNEY), 0.0);
    }

    #[test]
    fn a_contractor_with_no_history_gets_half_for_response_and_satisfaction() {
        let t = terms(&contractor(1), Urgency::Medium);
        assert_eq!(t, ScoreTerms { performance: 0.5, response: 0.5, availability: 1.0, satisfaction: 0.5 });
        assert!((t.score() - (0.2 + 0.15 + 0.2 + 0.05)).abs() < 1e-12);
    }

    #[test]
    fn response_uses_a_24_hour_horizon_for_urgent_leads_and_48_otherwise() {
        let mut c = contractor(1);
        c.avg_response_secs = Some(12 * 3600);
        assert!((terms(&c, Urgency::Emergency).response - 0.5).abs() < 1e-12);
        assert!((terms(&c, Urgency::Low).response - 0.75).abs() < 1e-12);
        c.avg_response_secs = Some(72 * 3600);
        assert_eq!(terms(&c, Urgency::Low).response, 0.0);
    }

    #[test]
    fn availability_and_satisfaction_follow_the_formula() {
        let mut c = contractor(1);
        c.active_jobs = 2;
        c.max_active_jobs = 8;
        c.avg_rating = Some(4.0);
        let t = terms(&c, Urgency::Medium);
        assert!((t.availability - 0.75).abs() < 1e-12);
        assert!((t.satisfaction - 0.75).abs() < 1e-12);
    }

    #[test]
    fn each_exclusion_reason_is_detected() {
        let now = Utc::now();
        let l = lead();
        type Change = Box<dyn Fn(&mut ContractorFacts)>;
        let cases: Vec<(Change, Exclusion)> = vec![
            (Box::new(|c| c.base_point = Some(MELBOURNE)), Exclusion::OutOfArea),
            (Box::new(|c| c.status = ContractorStatus::Pending), Exclusion::NotActive),
            (Box::new(move |c| c.paused_until = Some(now + chrono::Duration::hours(1))), Exclusion::Paused),
            (Box::new(|c| c.already_offered = true), Exclusion::AlreadyOffered),
            (Box::new(|c| c.specialties = &[DamageType::Fire]), Exclusion::NoSpecialty),
            (
                Box::new(|c| {
                    c.base_point = Some(MELBOURNE);
                    c.status = ContractorStatus::Suspended
                }),
                Exclusion::OutOfArea,
            ),
            (Box::new(|c| c.has_expired_certification = true), Exclusion::CertExpired),
            (Box::new(|c| c.active_jobs = 5), Exclusion::AtCapacity),
            (
                Box::new(|c| {
                    c.daily_lead_cap = Some(2);
                    c.offers_last_24h = 2
                }),
                Exclusion::CapReached,
            ),
        ];
        for (change, expected) in cases {
            let mut c = contractor(1);
            change(&mut c);
            assert_eq!(exclusion(&l, &c, now).0, Some(expected));
        }
        assert_eq!(exclusion(&l, &contractor(1), now).0, None);
    }

    #[test]
    fn an_explicit_postcode_covers_a_lead_outside_the_radius_and_a_past_pause_is_over() {
        let now = Utc::now();
        let listed = ["2000".to_string()];
        let mut c = contractor(1);
        c.base_point = Some(MELBOURNE);
        c.service_postcodes = &listed;
        c.paused_until = Some(now - chrono::Duration::minutes(1));
        assert_eq!(exclusion(&lead(), &c, now).0, None);
    }

    #[test]
    fn an_unknown_location_is_out_of_area_unless_listed() {
        let mut l = lead();
        l.point = None;
        assert_eq!(exclusion(&l, &contractor(1), Utc::now()).0, Some(Exclusion::OutOfArea));
    }

    #[test]
    fn ties_go_to_fewer_recent_offers_then_the_longest_wait_then_id() {
        let now = Utc::now();
        let mut a = contractor(3);
        let mut b = contractor(2);
        let mut c = contractor(1);
        let mut best = contractor(9);
        best.performance_score = 0.9;
        a.offers_last_24h = 0;
        b.offers_last_24h = 1;
        b.last_offered_at = Some(now - chrono::Duration::hours(5));
        c.offers_last_24h = 1;
        c.last_offered_at = Some(now - chrono::Duration::hours(1));
        let mut d = contractor(4);
        d.offers_last_24h = 1;
        d.last_offered_at = Some(now - chrono::Duration::hours(1));
        let all = rank(&lead(), [c, d, b, a, best], now, 10, 10);
        let order: Vec<u128> = all.ranked.iter().map(|r| r.contractor_id.as_u128()).collect();
        assert_eq!(order, vec![9, 3, 2, 1, 4]);
        // Keeping fewer keeps the best of the same order, and still counts them all.
        let top = rank(&lead(), [c, d, b, a, best], now, 2, 0);
        assert_eq!(top.ranked, all.ranked[..2].to_vec());
        assert_eq!(top.candidate_count, 5);
    }

    #[test]
    fn exclusions_are_counted_by_reason_and_the_nearest_kept() {
        let now = Utc::now();
        let mut far = contractor(1);
        far.base_point = Some(MELBOURNE);
        let mut paused = contractor(2);
        paused.paused_until = Some(now + chrono::Duration::hours(1));
        let mut full = contractor(3);
        full.active_jobs = 5;
        let r = rank(&lead(), [far, paused, full, contractor(4)], now, 5, 2);
        assert_eq!(r.candidate_count, 1);
        assert_eq!(r.excluded_counts.values().sum::<usize>(), 3);
        assert_eq!(r.excluded_counts[&Exclusion::OutOfArea], 1);
        // Both near ones (Parramatta) are kept, the one in Melbourne is only counted.
        let kept: Vec<u128> = r.excluded.iter().map(|e| e.contractor_id.as_u128()).collect();
        assert_eq!(kept, vec![2, 3]);
    }

    #[test]
    fn keeping_the_first_few_of_many_gives_the_head_of_the_whole_sort() {
        // A scrambled sequence with repeats, pushed one by one.
        let items: Vec<u64> = (0..5_000u64).map(|i| (i * 7_919) % 1_013).collect();
        let mut sorted = items.clone();
        sorted.sort();
        for keep in [0, 1, 3, 50, 1_013, 6_000] {
            let mut kept = Kept::new(keep, |a: &u64, b: &u64| a.cmp(b));
            for i in &items {
                kept.push(*i);
            }
            assert!(kept.items.len() <= (2 * keep).max(1), "never holds more than twice what it keeps");
            assert_eq!(kept.into_sorted(), sorted[..keep.min(sorted.len())].to_vec(), "keep {keep}");
        }
    }
}

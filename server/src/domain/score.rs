//! The earned performance score: what a contractor did over a rolling window, term by term, each
//! term a Bayesian average that starts at a neutral prior and follows the contractor's own record
//! as it accumulates. Pure: the store gathers the record, this module scores it (docs/DOMAIN.md,
//! "Performance score", publishes the same rules).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use entities::{DamageType, JobStatus};
use serde::{Deserialize, Serialize};

/// Business hours, on the contractor's own clock: Monday to Friday, 08:00 to 18:00.
pub const BUSINESS_OPENS: u32 = 8;
pub const BUSINESS_CLOSES: u32 = 18;

/// Seconds of business hours between two instants on `zone`'s clock (0 when `to` is not after
/// `from`). An offer made on Friday evening and answered on Monday at 08:20 took 20 minutes.
pub fn business_secs(from: DateTime<Utc>, to: DateTime<Utc>, zone: Tz) -> i64 {
    if to <= from {
        return 0;
    }
    let (first, last) = (from.with_timezone(&zone).date_naive(), to.with_timezone(&zone).date_naive());
    let mut total = 0;
    let mut day = first;
    while day <= last {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let at = |h: u32| {
                let t = day.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default());
                // Australian clocks change at 02:00 or 03:00, never inside business hours.
                zone.from_local_datetime(&t).earliest().map(|t| t.with_timezone(&Utc))
            };
            if let (Some(open), Some(close)) = (at(BUSINESS_OPENS), at(BUSINESS_CLOSES)) {
                let (a, b) = (open.max(from), close.min(to));
                if b > a {
                    total += (b - a).num_seconds();
                }
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    total
}

/// One part of the performance score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Term {
    Contact,
    Completion,
    Cycle,
    Accuracy,
    Rating,
    Offers,
}

impl Term {
    pub const ALL: [Term; 6] =
        [Term::Contact, Term::Completion, Term::Cycle, Term::Accuracy, Term::Rating, Term::Offers];

    /// The published weights; they add up to 1.
    pub fn weight(self) -> f64 {
        match self {
            Term::Contact => 0.25,
            Term::Completion => 0.20,
            Term::Cycle => 0.15,
            Term::Accuracy => 0.15,
            Term::Rating => 0.15,
            Term::Offers => 0.10,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Term::Contact => "Customer contacted in time",
            Term::Completion => "Jobs completed, not cancelled",
            Term::Cycle => "Time to complete",
            Term::Accuracy => "Quote accuracy",
            Term::Rating => "Customer rating",
            Term::Offers => "Offers answered",
        }
    }

    /// What one observation is worth, in the contractor's words.
    pub fn explanation(self) -> &'static str {
        match self {
            Term::Contact => "Each job counts 1 if the customer was contacted by the service-level deadline, 0 if not.",
            Term::Completion => {
                "Each finished job counts 1 if completed, 0 if cancelled (an upheld lead return does not count)."
            }
            Term::Cycle => {
                "Each completed job counts the network's median time for its damage type divided by the job's own time, at most 1."
            }
            Term::Accuracy => "Each approved quote counts the approved amount divided by the quoted amount.",
            Term::Rating => "Each rated job counts (rating − 1) / 4: 5 stars is 1, 1 star is 0.",
            Term::Offers => "Each offer counts 1 if accepted, 0.5 if declined, 0 if left to expire.",
        }
    }
}

/// One job as the score reads it.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub damage: DamageType,
    pub status: JobStatus,
    pub created_at: DateTime<Utc>,
    pub contact_due_at: Option<DateTime<Utc>>,
    pub contacted_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub quote_cents: Option<i64>,
    pub approved_cents: Option<i64>,
    pub satisfaction: Option<i32>,
    /// Its lead was returned and the return upheld: the job counts for nothing.
    pub returned: bool,
}

/// How the contractor's decided offers in the window ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfferCounts {
    pub accepted: u32,
    pub declined: u32,
    pub expired: u32,
}

/// The observations of one term: how many, and their sum (each between 0 and 1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub n: u32,
    pub sum: f64,
}

impl Tally {
    fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x.clamp(0.0, 1.0);
    }
}

/// Every term's observations from a record. `medians` holds the network's median seconds from
/// acceptance to completion per damage type; a completed job of a type without one is not timed.
pub fn observe(
    jobs: &[JobRecord],
    offers: OfferCounts,
    medians: &HashMap<DamageType, i64>,
    now: DateTime<Utc>,
) -> HashMap<Term, Tally> {
    let mut t: HashMap<Term, Tally> = Term::ALL.iter().map(|k| (*k, Tally::default())).collect();
    let mut add = |k: Term, x: f64| {
        if let Some(tally) = t.get_mut(&k) {
            tally.add(x)
        }
    };
    for j in jobs.iter().filter(|j| !j.returned) {
        // Contact: on time or not once the deadline passed; a job cancelled before anyone was
        // contacted is left to the completion term.
        if let Some(due) = j.contact_due_at {
            match j.contacted_at {
                Some(at) => add(Term::Contact, if at <= due { 1.0 } else { 0.0 }),
                None if j.status != JobStatus::Cancelled && due < now => add(Term::Contact, 0.0),
                None => {}
            }
        }
        match j.status {
            JobStatus::Completed => add(Term::Completion, 1.0),
            JobStatus::Cancelled => add(Term::Completion, 0.0),
            _ => {}
        }
        if let (JobStatus::Completed, Some(done), Some(median)) = (j.status, j.completed_at, medians.get(&j.damage))
            && *median > 0
        {
            let took = (done - j.created_at).num_seconds().max(1);
            add(Term::Cycle, (*median as f64 / took as f64).min(1.0));
        }
        if let (Some(q), Some(a)) = (j.quote_cents, j.approved_cents)
            && q > 0
            && a > 0
        {
            add(Term::Accuracy, a.min(q) as f64 / a.max(q) as f64);
        }
        if let Some(s) = j.satisfaction {
            add(Term::Rating, (f64::from(s) - 1.0) / 4.0);
        }
    }
    for _ in 0..offers.accepted {
        add(Term::Offers, 1.0);
    }
    for _ in 0..offers.declined {
        add(Term::Offers, 0.5);
    }
    for _ in 0..offers.expired {
        add(Term::Offers, 0.0);
    }
    t
}

/// Where every term starts, and how many observations that start is worth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub value: f64,
    pub weight: f64,
}

/// One term, scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermScore {
    pub term: Term,
    pub observations: u32,
    /// The plain average of the observations (none without any).
    pub mean: Option<f64>,
    /// The Bayesian average: `(prior weight × prior + sum) / (prior weight + observations)`.
    pub value: f64,
}

/// The whole score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub terms: Vec<TermScore>,
    /// The weighted sum of the terms.
    pub earned: f64,
    /// An admin's adjustment, added to what was earned.
    pub adjustment: f64,
    /// `earned + adjustment`, between 0 and 1: routing's performance term.
    pub score: f64,
}

/// Scores the observations.
pub fn score(tallies: &HashMap<Term, Tally>, prior: Prior, adjustment: f64) -> Score {
    let terms: Vec<TermScore> = Term::ALL
        .iter()
        .map(|k| {
            let t = tallies.get(k).copied().unwrap_or_default();
            let value = (prior.weight * prior.value + t.sum) / (prior.weight + f64::from(t.n));
            TermScore {
                term: *k,
                observations: t.n,
                mean: (t.n > 0).then(|| t.sum / f64::from(t.n)),
                value: if value.is_finite() { value } else { prior.value },
            }
        })
        .collect();
    let earned = terms.iter().map(|t| t.term.weight() * t.value).sum::<f64>();
    let adjustment = if adjustment.is_finite() { adjustment } else { 0.0 };
    Score { terms, earned, adjustment, score: (earned + adjustment).clamp(0.0, 1.0) }
}

/// The median of some durations (the lower middle one of an even count), none of none.
pub fn median(mut secs: Vec<i64>) -> Option<i64> {
    if secs.is_empty() {
        return None;
    }
    secs.sort_unstable();
    Some(secs[(secs.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Australia;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const PRIOR: Prior = Prior { value: 0.5, weight: 5.0 };

    #[test]
    fn the_weights_add_up_to_one() {
        let total: f64 = Term::ALL.iter().map(|t| t.weight()).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_weekend_is_not_business_time_on_the_contractors_clock() {
        // Friday 4 December 2026, 17:50 in Sydney (UTC+11) to Monday 7 December 08:20.
        let from = utc("2026-12-04T06:50:00Z");
        let to = utc("2026-12-06T21:20:00Z");
        assert_eq!(business_secs(from, to, Australia::Sydney), 30 * 60);
        // The same instants in Perth (UTC+8) are Friday 14:50 to Monday 05:20: 3 h 10 min.
        assert_eq!(business_secs(from, to, Australia::Perth), 3 * 3600 + 10 * 60);
        // In Brisbane (UTC+10, no daylight saving): Friday 16:50 to Monday 07:20: 70 minutes.
        assert_eq!(business_secs(from, to, Australia::Brisbane), 70 * 60);
    }

    #[test]
    fn nights_and_reversed_spans_count_nothing() {
        // Tuesday 23:00 to Wednesday 07:59 in Sydney.
        assert_eq!(business_secs(utc("2026-12-08T12:00:00Z"), utc("2026-12-08T20:59:00Z"), Australia::Sydney), 0);
        assert_eq!(business_secs(utc("2026-12-08T20:59:00Z"), utc("2026-12-08T12:00:00Z"), Australia::Sydney), 0);
        // A whole business day, 10 hours, across the April change back from daylight saving
        // (Sunday 5 April 2026): Monday 6 April 08:00–18:00 is at UTC+10.
        assert_eq!(
            business_secs(utc("2026-04-05T00:00:00Z"), utc("2026-04-06T21:00:00Z"), Australia::Sydney),
            10 * 3600
        );
    }

    #[test]
    fn a_newcomer_scores_the_prior_and_its_record_outweighs_it_as_it_grows() {
        let none = observe(&[], OfferCounts::default(), &HashMap::new(), Utc::now());
        let s = score(&none, PRIOR, 0.0);
        assert!((s.score - 0.5).abs() < 1e-12);
        assert!(s.terms.iter().all(|t| t.observations == 0 && t.mean.is_none()));
        // Five accepted offers against a prior worth five: halfway from 0.5 to 1.
        let five = observe(&[], OfferCounts { accepted: 5, ..Default::default() }, &HashMap::new(), Utc::now());
        let offers = score(&five, PRIOR, 0.0).terms.into_iter().find(|t| t.term == Term::Offers).unwrap();
        assert!((offers.value - 0.75).abs() < 1e-12);
        assert_eq!(offers.mean, Some(1.0));
    }

    #[test]
    fn a_scripted_record_scores_term_by_term() {
        let now = utc("2026-12-01T00:00:00Z");
        let day = chrono::Duration::days(1);
        let base = JobRecord {
            damage: DamageType::Water,
            status: JobStatus::Completed,
            created_at: now - day * 10,
            contact_due_at: Some(now - day * 10 + chrono::Duration::hours(4)),
            contacted_at: Some(now - day * 10 + chrono::Duration::hours(1)),
            completed_at: Some(now - day * 6),
            quote_cents: Some(100_000),
            approved_cents: Some(80_000),
            satisfaction: Some(5),
            returned: false,
        };
        let late = JobRecord {
            contacted_at: Some(now - day * 10 + chrono::Duration::hours(5)),
            completed_at: Some(now - day * 2),
            satisfaction: Some(3),
            quote_cents: None,
            approved_cents: None,
            ..base.clone()
        };
        let cancelled = JobRecord {
            status: JobStatus::Cancelled,
            contacted_at: None,
            completed_at: None,
            quote_cents: None,
            approved_cents: None,
            satisfaction: None,
            ..base.clone()
        };
        let returned = JobRecord { returned: true, ..cancelled.clone() };
        let medians = HashMap::from([(DamageType::Water, 2 * 86_400)]);
        let t = observe(
            &[base, late, cancelled, returned],
            OfferCounts { accepted: 2, declined: 1, expired: 1 },
            &medians,
            now,
        );
        assert_eq!(t[&Term::Contact], Tally { n: 2, sum: 1.0 });
        assert_eq!(t[&Term::Completion], Tally { n: 3, sum: 2.0 });
        // 4 days and 8 days against a 2-day median.
        assert_eq!(t[&Term::Cycle], Tally { n: 2, sum: 0.5 + 0.25 });
        assert_eq!(t[&Term::Accuracy], Tally { n: 1, sum: 0.8 });
        assert_eq!(t[&Term::Rating], Tally { n: 2, sum: 1.5 });
        assert_eq!(t[&Term::Offers], Tally { n: 4, sum: 2.5 });
        let s = score(&t, PRIOR, 0.0);
        let v = |k: Term| s.terms.iter().find(|t| t.term == k).unwrap().value;
        assert!((v(Term::Contact) - 3.5 / 7.0).abs() < 1e-12);
        assert!((v(Term::Completion) - 4.5 / 8.0).abs() < 1e-12);
        assert!((v(Term::Cycle) - 3.25 / 7.0).abs() < 1e-12);
        assert!((v(Term::Accuracy) - 3.3 / 6.0).abs() < 1e-12);
        assert!((v(Term::Rating) - 4.0 / 7.0).abs() < 1e-12);
        assert!((v(Term::Offers) - 5.0 / 9.0).abs() < 1e-12);
        let earned = 0.25 * 3.5 / 7.0
            + 0.2 * 4.5 / 8.0
            + 0.15 * 3.25 / 7.0
            + 0.15 * 3.3 / 6.0
            + 0.15 * 4.0 / 7.0
            + 0.1 * 5.0 / 9.0;
        assert!((s.earned - earned).abs() < 1e-12);
        assert!((score(&t, PRIOR, -0.1).score - (earned - 0.1)).abs() < 1e-12);
        assert_eq!(score(&t, PRIOR, 0.9).score, 1.0, "an adjustment never lifts the score past 1");
    }

    #[test]
    fn an_overdue_uncontacted_job_counts_against_contact_and_one_not_yet_due_does_not() {
        let now = utc("2026-12-01T00:00:00Z");
        let job = |due: DateTime<Utc>| JobRecord {
            damage: DamageType::Fire,
            status: JobStatus::AwaitingContact,
            created_at: now - chrono::Duration::hours(5),
            contact_due_at: Some(due),
            contacted_at: None,
            completed_at: None,
            quote_cents: None,
            approved_cents: None,
            satisfaction: None,
            returned: false,
        };
        let t = observe(
            &[job(now - chrono::Duration::hours(1)), job(now + chrono::Duration::hours(1))],
            OfferCounts::default(),
            &HashMap::new(),
            now,
        );
        assert_eq!(t[&Term::Contact], Tally { n: 1, sum: 0.0 });
    }

    #[test]
    fn medians_take_the_lower_middle() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }

    proptest! {
        #[test]
        fn every_score_lies_between_0_and_1_and_more_good_work_never_lowers_a_term(
            accepted in 0u32..50, declined in 0u32..50, expired in 0u32..50, more in 1u32..20,
            adjustment in -0.5f64..0.5, weight in 0.5f64..50.0,
        ) {
            let prior = Prior { value: 0.5, weight };
            let now = Utc::now();
            let counts = OfferCounts { accepted, declined, expired };
            let s = score(&observe(&[], counts, &HashMap::new(), now), prior, adjustment);
            prop_assert!((0.0..=1.0).contains(&s.score));
            prop_assert!(s.terms.iter().all(|t| (0.0..=1.0).contains(&t.value)));
            let better = OfferCounts { accepted: accepted + more, ..counts };
            let b = score(&observe(&[], better, &HashMap::new(), now), prior, adjustment);
            prop_assert!(b.earned >= s.earned - 1e-12);
        }

        #[test]
        fn business_time_never_exceeds_the_span_and_adds_up_over_a_split(
            start in 1_700_000_000i64..1_900_000_000, len in 0i64..(20 * 86_400), cut in 0.0f64..1.0,
        ) {
            let from = DateTime::from_timestamp(start, 0).unwrap();
            let to = from + chrono::Duration::seconds(len);
            let mid = from + chrono::Duration::seconds((len as f64 * cut) as i64);
            let whole = business_secs(from, to, Australia::Adelaide);
            prop_assert!(whole <= len);
            prop_assert_eq!(whole, business_secs(from, mid, Australia::Adelaide) + business_secs(mid, to, Australia::Adelaide));
        }
    }
}

//! The admin dashboard's figures over the last N days: leads per day by damage type, offer
//! acceptance and the median time to accept, jobs by stage, overdue jobs, and commission and
//! payouts by week. Days and weeks are Australian Eastern (Sydney) calendar days, where most of
//! the network works.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entities::{DamageType, JobStatus, OfferStatus};

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::store;

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Every day of the period (oldest first) with its count per damage type.
    pub leads_per_day: Vec<(NaiveDate, DamageType, i64)>,
    pub offers_decided: i64,
    pub offers_accepted: i64,
    pub median_secs_to_accept: Option<i64>,
    pub jobs_by_stage: Vec<(JobStatus, i64)>,
    pub overdue_jobs: i64,
    /// Week starting (Monday) → (payouts, commission cents, payout cents).
    pub money_by_week: Vec<(NaiveDate, i64, i64, i64)>,
}

fn local_day(t: DateTime<Utc>, zone: chrono_tz::Tz) -> NaiveDate {
    crate::domain::zones::local_date(t, zone)
}

fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The middle value (the lower of the two middle ones for an even count).
pub fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[(v.len() - 1) / 2])
}

pub async fn summary(ctx: &AppContext, meta: &RequestMeta, days: i64) -> ServiceResult<Dashboard> {
    meta.principal.require_admin()?;
    if !(1..=365).contains(&days) {
        return Err(ServiceError::validation("days", "days must be between 1 and 365"));
    }
    let zone = ctx.config.report_zone;
    let to = Utc::now();
    let first_day = local_day(to, zone) - Duration::days(days - 1);
    let from = crate::domain::zones::start_of_day(first_day, zone);

    let mut per_day: BTreeMap<(NaiveDate, u8), i64> = BTreeMap::new();
    let types = [DamageType::Water, DamageType::Fire, DamageType::Mould, DamageType::Storm];
    for (created, kind) in store::dashboard::leads_since(&ctx.db, from).await? {
        let i = types.iter().position(|t| *t == kind).unwrap_or(0) as u8;
        *per_day.entry((local_day(created, zone), i)).or_default() += 1;
    }
    let mut leads_per_day = Vec::new();
    for n in 0..days {
        let day = first_day + Duration::days(n);
        for (i, t) in types.iter().enumerate() {
            leads_per_day.push((day, *t, per_day.get(&(day, i as u8)).copied().unwrap_or(0)));
        }
    }

    let offers = store::dashboard::offers_since(&ctx.db, from).await?;
    let decided = offers
        .iter()
        .filter(|(s, _, _)| matches!(s, OfferStatus::Accepted | OfferStatus::Declined | OfferStatus::Expired))
        .count() as i64;
    let accepted: Vec<i64> = offers
        .iter()
        .filter(|(s, _, _)| *s == OfferStatus::Accepted)
        .filter_map(|(_, c, r)| r.map(|r| (r - *c).num_seconds().max(0)))
        .collect();
    let offers_accepted = offers.iter().filter(|(s, _, _)| *s == OfferStatus::Accepted).count() as i64;

    let mut stages: std::collections::HashMap<JobStatus, i64> = std::collections::HashMap::new();
    for s in store::dashboard::job_stages(&ctx.db).await? {
        *stages.entry(s).or_default() += 1;
    }
    let order = [
        JobStatus::AwaitingContact,
        JobStatus::Contacted,
        JobStatus::Inspected,
        JobStatus::Quoted,
        JobStatus::Approved,
        JobStatus::InProgress,
        JobStatus::Completed,
        JobStatus::Cancelled,
    ];
    let jobs_by_stage = order.iter().map(|s| (*s, stages.get(s).copied().unwrap_or(0))).collect();
    let overdue_jobs = super::jobs::overdue(ctx, meta).await?.len() as i64;

    let mut weeks: BTreeMap<NaiveDate, (i64, i64, i64)> = BTreeMap::new();
    let mut w = week_start(first_day);
    while w <= local_day(to, zone) {
        weeks.insert(w, (0, 0, 0));
        w += Duration::days(7);
    }
    for (created, commission, paid) in store::dashboard::payouts_since(&ctx.db, from).await? {
        let e = weeks.entry(week_start(local_day(created, zone))).or_default();
        e.0 += 1;
        e.1 += commission;
        e.2 += paid;
    }
    Ok(Dashboard {
        from,
        to,
        leads_per_day,
        offers_decided: decided,
        offers_accepted,
        median_secs_to_accept: median(accepted),
        jobs_by_stage,
        overdue_jobs,
        money_by_week: weeks.into_iter().map(|(w, (n, c, p))| (w, n, c, p)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }

    #[test]
    fn weeks_start_on_monday_in_sydney() {
        let sat = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(week_start(sat), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        assert_eq!(
            week_start(NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()),
            NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
        );
        // 20:00 UTC on Sunday is 07:00 Monday in Sydney (daylight saving, UTC+11) and 04:00
        // Monday in Perth (UTC+8).
        let t = DateTime::parse_from_rfc3339("2026-11-22T20:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(local_day(t, chrono_tz::Australia::Sydney), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(local_day(t, chrono_tz::Australia::Perth), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        // 13:30 UTC Sunday: 00:30 Monday in Sydney under daylight saving, 21:30 Sunday in Perth.
        let late = DateTime::parse_from_rfc3339("2026-11-22T13:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(local_day(late, chrono_tz::Australia::Sydney), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(local_day(late, chrono_tz::Australia::Perth), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
    }
}

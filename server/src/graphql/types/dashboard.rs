use crate::graphql::types::money::Money;
use async_graphql::SimpleObject;
use chrono::{DateTime, NaiveDate, Utc};

use super::enums::{DamageType, JobStatus};
use crate::services::dashboard::Dashboard as Figures;

/// The admin dashboard's figures for a period ending now. Days and weeks are on NRP's clock
/// (`NRP_TIMEZONE`, Sydney by default, daylight saving included).
#[derive(SimpleObject)]
pub struct Dashboard {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Every day of the period, oldest first, with a count per damage type (zeros included).
    pub leads_per_day: Vec<DayCount>,
    /// Offers accepted, declined or expired in the period.
    pub offers_decided: i64,
    pub offers_accepted: i64,
    /// `offersAccepted / offersDecided`; null when nothing was decided.
    pub acceptance_rate: Option<f64>,
    /// Median seconds from an offer to its acceptance.
    pub median_seconds_to_accept: Option<i64>,
    /// Every stage, with how many jobs are in it now.
    pub jobs_by_stage: Vec<StageCount>,
    /// Jobs overdue for contact or idle now.
    pub overdue_jobs: i64,
    /// Monday-started weeks of the period with the payouts recorded in each.
    pub money_by_week: Vec<WeekMoney>,
}

#[derive(SimpleObject)]
pub struct DayCount {
    pub day: NaiveDate,
    pub damage_type: DamageType,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct StageCount {
    pub status: JobStatus,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct WeekMoney {
    pub week_start: NaiveDate,
    pub payouts: i64,
    pub commission_cents: Money,
    pub payout_cents: Money,
}

impl From<Figures> for Dashboard {
    fn from(f: Figures) -> Self {
        Dashboard {
            from: f.from,
            to: f.to,
            leads_per_day: f
                .leads_per_day
                .into_iter()
                .map(|(day, t, count)| DayCount { day, damage_type: t.into(), count })
                .collect(),
            acceptance_rate: (f.offers_decided > 0).then(|| f.offers_accepted as f64 / f.offers_decided as f64),
            offers_decided: f.offers_decided,
            offers_accepted: f.offers_accepted,
            median_seconds_to_accept: f.median_secs_to_accept,
            jobs_by_stage: f
                .jobs_by_stage
                .into_iter()
                .map(|(s, count)| StageCount { status: s.into(), count })
                .collect(),
            overdue_jobs: f.overdue_jobs,
            money_by_week: f
                .money_by_week
                .into_iter()
                .map(|(week_start, payouts, commission_cents, payout_cents)| WeekMoney {
                    week_start,
                    payouts,
                    commission_cents: Money(commission_cents),
                    payout_cents: Money(payout_cents),
                })
                .collect(),
        }
    }
}

//! The earned performance score (docs/DOMAIN.md, "Performance score"). It is computed from the
//! contractor's record, never typed in: in the same transaction as every event a person makes (an
//! offer answered, a job moved, cancelled or rated, a return decided, an admin's adjustment);
//! for the events of batch work (offer expiries, missed contact deadlines) the event's transaction
//! marks the score and the maintenance worker recomputes it within seconds; and an hourly sweep
//! catches the scores the rolling window moved past. A computation is a pure function of the committed record under the contractor's row
//! lock, so running it twice, on any instance, writes the same score.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::config::Config;
use crate::context::AppContext;
use crate::domain::score::{self, Prior, Score};
use crate::domain::zones::{local_date, zone_of_postcode};
use crate::error::{ServiceError, ServiceResult};
use crate::store;

/// Where every term of a newcomer's score starts: the middle.
pub const PRIOR_VALUE: f64 = 0.5;
/// How many days of the score's trend "How NRP scores you" shows.
pub const TREND_DAYS: i64 = 90;
/// The largest adjustment an admin may make, either way.
pub const MAX_ADJUSTMENT: f64 = 0.5;

pub fn prior(config: &Config) -> Prior {
    Prior { value: PRIOR_VALUE, weight: config.score_prior_weight }
}

fn window_start(config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::from_std(config.score_window).unwrap_or(chrono::Duration::days(90))
}

/// Seconds of business hours an offer waited for its answer, on the contractor's clock.
pub fn response_secs(base_postcode: &str, offered_at: DateTime<Utc>, answered_at: DateTime<Utc>) -> i64 {
    score::business_secs(offered_at, answered_at, zone_of_postcode(base_postcode))
}

/// Computes and stores one contractor's score inside the caller's transaction. `None` if there
/// is no such contractor.
pub async fn rescore(
    db: &impl ConnectionTrait,
    config: &Config,
    contractor_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Score>, DbErr> {
    let Some(c) = store::scores::lock(db, contractor_id, now).await? else { return Ok(None) };
    let since = window_start(config, now);
    let returned = store::returns::upheld_jobs(db, contractor_id, since).await?;
    let (jobs, returned_offers) = store::scores::jobs_since(db, contractor_id, since, &returned).await?;
    let offers = store::scores::offers_since(db, contractor_id, since, &returned_offers).await?;
    let medians = store::scores::medians(db).await?.into_iter().map(|m| (m.damage_type, m.median_secs)).collect();
    let s = score::score(&score::observe(&jobs, offers, &medians, now), prior(config), c.score_adjustment);
    let day = local_date(now, zone_of_postcode(&c.base_postcode));
    let terms = serde_json::to_string(&s).map_err(|e| DbErr::Custom(e.to_string()))?;
    store::scores::save(db, contractor_id, day, s.score, terms, now).await?;
    Ok(Some(s))
}

/// Recomputes every damage type's median completion time over the window. Returns how many
/// types have one.
pub async fn refresh_medians(db: &impl ConnectionTrait, config: &Config, now: DateTime<Utc>) -> Result<usize, DbErr> {
    use sea_orm::Iterable;
    let since = window_start(config, now);
    let mut fresh = Vec::new();
    for d in entities::DamageType::iter() {
        let times = store::scores::completion_times(db, d, since).await?;
        let n = i32::try_from(times.len()).unwrap_or(i32::MAX);
        if let Some(m) = score::median(times) {
            fresh.push((d, m, n));
        }
    }
    store::scores::replace_medians(db, &fresh, now).await?;
    Ok(fresh.len())
}

/// The hourly sweep: fresh medians, then every score not computed in the last day (the window
/// moved on), each in its own short transaction. Returns how many scores it computed.
pub async fn sweep(ctx: &AppContext) -> ServiceResult<usize> {
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    refresh_medians(&txn, &ctx.config, now).await?;
    txn.commit().await?;
    let mut done = 0;
    // Bounded per sweep: a national network is finished over a few sweeps, not in one burst.
    for _ in 0..50 {
        let ids = store::scores::stale(&ctx.db, now - chrono::Duration::days(1), 200).await?;
        if ids.is_empty() {
            break;
        }
        let (ok, failed) = rescore_each(ctx, &ids).await;
        done += ok;
        // A batch that failed in full would be read again at once: try again next sweep.
        if failed == ids.len() {
            break;
        }
    }
    Ok(done)
}

/// Recomputes the scores that batch work marked (`store::scores::mark_dirty`: offer expiries,
/// missed contact deadlines), each in its own short transaction, so a sweep over many offers
/// stays as fast as before. Run every few seconds by the maintenance worker. Returns how many.
pub async fn rescore_dirty(ctx: &AppContext) -> ServiceResult<usize> {
    let ids = store::scores::dirty(&ctx.db, 200).await?;
    Ok(rescore_each(ctx, &ids).await.0)
}

/// Recomputes each of `ids` in its own transaction; one that fails is logged and the rest go on.
/// Returns how many were computed and how many failed.
async fn rescore_each(ctx: &AppContext, ids: &[Uuid]) -> (usize, usize) {
    let (mut done, mut failed) = (0, 0);
    for id in ids {
        let one = async {
            let txn = ctx.db.begin().await?;
            rescore(&txn, &ctx.config, *id, Utc::now()).await?;
            txn.commit().await
        };
        match one.await {
            Ok(()) => done += 1,
            Err(e) => {
                failed += 1;
                tracing::warn!(contractor_id = %id, error = %e, "recomputing a performance score failed");
            }
        }
    }
    (done, failed)
}

/// Admin: adjusts a contractor's score by `adjustment` (−0.5 to 0.5; 0 takes an adjustment
/// away), with a reason the contractor sees. Audited with the score before and after.
pub async fn adjust(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    adjustment: f64,
    reason: &str,
) -> ServiceResult<entities::contractor::Model> {
    meta.principal.require_admin()?;
    if !adjustment.is_finite() || adjustment.abs() > MAX_ADJUSTMENT {
        return Err(ServiceError::validation("adjustment", "an adjustment lies between -0.5 and 0.5"));
    }
    let reason =
        crate::domain::required_text(reason, "a reason", 500).map_err(|m| ServiceError::validation("reason", m))?;
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    // The row lock first: two admins adjusting at once audit what each really changed.
    let before = store::scores::lock(&txn, id, now).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    // Taking an adjustment away leaves no reason standing beside it (the audit keeps why).
    let shown = (adjustment != 0.0).then(|| reason.clone());
    store::scores::set_adjustment(&txn, id, adjustment, shown, now).await?;
    let after = rescore(&txn, &ctx.config, id, now).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    super::audit::record(
        &txn,
        meta,
        "contractor.score_adjusted",
        "contractor",
        Some(id),
        json!({
            "adjustment": { "from": before.score_adjustment, "to": adjustment },
            "score": { "from": before.performance_score, "to": after.score },
            "reason": reason,
        }),
    )
    .await?;
    let updated = store::contractors::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    txn.commit().await?;
    Ok(updated)
}

/// What "How NRP scores you" shows: the score as last computed, its terms, and the trend.
pub struct Breakdown {
    pub score: Score,
    pub computed_at: Option<DateTime<Utc>>,
    pub trend: Vec<(chrono::NaiveDate, f64)>,
}

/// The contractor's own breakdown (the contractor and admins; see `access::records::may_see_terms`).
pub async fn breakdown(ctx: &AppContext, c: &entities::contractor::Model) -> ServiceResult<Breakdown> {
    let latest = store::scores::latest(&ctx.db, c.id).await?;
    let kept = latest.as_ref().and_then(|l| serde_json::from_str::<Score>(&l.terms).ok());
    let score = match kept {
        Some(s) => s,
        // Never computed yet (a brand-new company): the prior, as routing reads it.
        None => score::score(&Default::default(), prior(&ctx.config), c.score_adjustment),
    };
    // The window's days, at most the last 90 (one point a day).
    let days = i64::try_from(ctx.config.score_window.as_secs() / 86_400).unwrap_or(90).min(TREND_DAYS);
    let today = local_date(Utc::now(), zone_of_postcode(&c.base_postcode));
    let since = today - chrono::Duration::days(days);
    let trend = store::scores::trend(&ctx.db, c.id, since).await?.into_iter().map(|p| (p.day, p.score)).collect();
    Ok(Breakdown { score, computed_at: latest.map(|l| l.computed_at), trend })
}

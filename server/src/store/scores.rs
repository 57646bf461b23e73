//! What the performance score reads (a contractor's jobs and offers in the window, the network's
//! medians) and where it is kept (the contractor's row, the daily trend).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entities::{
    DamageType, JobStatus, OfferStatus, contractor, contractor_score as score, job, job_type_median as median, lead,
    offer,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domain::score::{JobRecord, OfferCounts};

/// Takes the contractor's row lock for a computation (the first write on it in the
/// transaction), so two computations for one contractor run one after the other and the second
/// reads what the first committed. `None` if there is no such contractor.
pub async fn lock(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<Option<contractor::Model>, DbErr> {
    let res = contractor::Entity::update_many()
        .col_expr(contractor::Column::ScoreComputedAt, Expr::value(Some(now)))
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    contractor::Entity::find_by_id(id).one(db).await
}

/// Marks the contractor's score for the next recomputation (`services::scoring::rescore_dirty`),
/// inside the event's own transaction: one write to a row the event has locked already.
pub async fn mark_dirty(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::ScoreComputedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Contractors marked for a recomputation (or never computed), up to `limit`.
pub async fn dirty(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<Uuid>, DbErr> {
    contractor::Entity::find()
        .select_only()
        .column(contractor::Column::Id)
        .filter(contractor::Column::ScoreComputedAt.is_null())
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// The contractor's jobs accepted since `since`, as the score reads them. `returned` lists the
/// jobs whose lead return was upheld; the offers those jobs came from are returned beside the
/// records, to be left out of the offers term as well.
pub async fn jobs_since(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    since: DateTime<Utc>,
    returned: &[Uuid],
) -> Result<(Vec<JobRecord>, Vec<Uuid>), DbErr> {
    let jobs = job::Entity::find()
        .filter(job::Column::ContractorId.eq(contractor_id))
        .filter(job::Column::CreatedAt.gte(since))
        .all(db)
        .await?;
    let mut damage: HashMap<Uuid, DamageType> = HashMap::new();
    for chunk in jobs.iter().map(|j| j.lead_id).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<(Uuid, DamageType)> = lead::Entity::find()
            .select_only()
            .column(lead::Column::Id)
            .column(lead::Column::DamageType)
            .filter(lead::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        damage.extend(rows);
    }
    let returned_offers = jobs.iter().filter(|j| returned.contains(&j.id)).filter_map(|j| j.offer_id).collect();
    let records = jobs
        .into_iter()
        .filter_map(|j| {
            Some(JobRecord {
                damage: *damage.get(&j.lead_id)?,
                status: j.status,
                created_at: j.created_at,
                contact_due_at: j.contact_due_at,
                contacted_at: j.contacted_at,
                completed_at: j.completed_at,
                quote_cents: j.quote_cents,
                approved_cents: j.approved_cents,
                satisfaction: j.satisfaction,
                returned: returned.contains(&j.id),
            })
        })
        .collect();
    Ok((records, returned_offers))
}

/// How the contractor's offers made since `since` ended (still open, taken by another or
/// withdrawn ones are no decision of its own and are left out, as are those in `except`).
pub async fn offers_since(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    since: DateTime<Utc>,
    except: &[Uuid],
) -> Result<OfferCounts, DbErr> {
    let rows: Vec<(OfferStatus, i64)> = offer::Entity::find()
        .select_only()
        .column(offer::Column::Status)
        .column_as(offer::Column::Id.count(), "n")
        .filter(offer::Column::ContractorId.eq(contractor_id))
        .filter(offer::Column::CreatedAt.gte(since))
        .filter(offer::Column::Status.is_in([OfferStatus::Accepted, OfferStatus::Declined, OfferStatus::Expired]))
        .filter(offer::Column::Id.is_not_in(except.iter().copied()))
        .group_by(offer::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut c = OfferCounts::default();
    for (status, n) in rows {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        match status {
            OfferStatus::Accepted => c.accepted = n,
            OfferStatus::Declined => c.declined = n,
            OfferStatus::Expired => c.expired = n,
            _ => {}
        }
    }
    Ok(c)
}

/// The network's medians, by damage type.
pub async fn medians(db: &impl ConnectionTrait) -> Result<Vec<median::Model>, DbErr> {
    median::Entity::find().all(db).await
}

/// Seconds from acceptance to completion of every job of `damage` completed since `since`.
pub async fn completion_times(
    db: &impl ConnectionTrait,
    damage: DamageType,
    since: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    let rows: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = job::Entity::find()
        .select_only()
        .column(job::Column::CreatedAt)
        .column(job::Column::CompletedAt)
        .filter(job::Column::Status.eq(JobStatus::Completed))
        .filter(job::Column::CompletedAt.gte(since))
        .filter(
            job::Column::LeadId.in_subquery(
                Query::select()
                    .column(lead::Column::Id)
                    .from(lead::Entity)
                    .and_where(lead::Column::DamageType.eq(damage))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(from, to)| to.map(|to| Ord::max((to - from).num_seconds(), 0))).collect())
}

/// Replaces the medians with a fresh set (types without completed jobs have none). Written
/// row by row as upserts, so two instances sweeping at once both succeed.
pub async fn replace_medians(
    db: &impl ConnectionTrait,
    fresh: &[(DamageType, i64, i32)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    median::Entity::delete_many()
        .filter(median::Column::DamageType.is_not_in(fresh.iter().map(|(d, _, _)| *d)))
        .exec(db)
        .await?;
    if fresh.is_empty() {
        return Ok(());
    }
    median::Entity::insert_many(fresh.iter().map(|(d, secs, n)| median::ActiveModel {
        damage_type: Set(*d),
        median_secs: Set(*secs),
        jobs: Set(*n),
        computed_at: Set(now),
    }))
    .on_conflict(
        OnConflict::column(median::Column::DamageType)
            .update_columns([median::Column::MedianSecs, median::Column::Jobs, median::Column::ComputedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Writes a computed score: the one routing reads, and the day's point of the trend.
pub async fn save(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    day: NaiveDate,
    value: f64,
    terms_json: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::PerformanceScore, Expr::value(value))
        .filter(contractor::Column::Id.eq(contractor_id))
        .exec(db)
        .await?;
    score::Entity::insert(score::ActiveModel {
        contractor_id: Set(contractor_id),
        day: Set(day),
        score: Set(value),
        terms: Set(terms_json),
        computed_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([score::Column::ContractorId, score::Column::Day])
            .update_columns([score::Column::Score, score::Column::Terms, score::Column::ComputedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Sets (or, with 0 and no reason, clears) an admin's adjustment.
pub async fn set_adjustment(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    adjustment: f64,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::ScoreAdjustment, Expr::value(adjustment))
        .col_expr(contractor::Column::ScoreAdjustmentReason, Expr::value(reason))
        .col_expr(contractor::Column::ScoreAdjustedAt, Expr::value(Some(now)))
        .filter(contractor::Column::Id.eq(contractor_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The daily points from `since` on, oldest first.
pub async fn trend(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    since: NaiveDate,
) -> Result<Vec<score::Model>, DbErr> {
    score::Entity::find()
        .filter(score::Column::ContractorId.eq(contractor_id))
        .filter(score::Column::Day.gte(since))
        .order_by_asc(score::Column::Day)
        .all(db)
        .await
}

/// The latest computation kept.
pub async fn latest(db: &impl ConnectionTrait, contractor_id: Uuid) -> Result<Option<score::Model>, DbErr> {
    score::Entity::find()
        .filter(score::Column::ContractorId.eq(contractor_id))
        .order_by_desc(score::Column::Day)
        .one(db)
        .await
}

/// Contractors whose score was last computed before `before` (or never), up to `limit`.
pub async fn stale(db: &impl ConnectionTrait, before: DateTime<Utc>, limit: u64) -> Result<Vec<Uuid>, DbErr> {
    contractor::Entity::find()
        .select_only()
        .column(contractor::Column::Id)
        .filter(
            sea_orm::Condition::any()
                .add(contractor::Column::ScoreComputedAt.is_null())
                .add(contractor::Column::ScoreComputedAt.lt(before)),
        )
        // Oldest first (never computed before all): one that keeps failing holds up nobody.
        .order_by(Expr::col(contractor::Column::ScoreComputedAt).is_null(), sea_orm::Order::Desc)
        .order_by_asc(contractor::Column::ScoreComputedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

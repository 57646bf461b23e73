use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entities::{OfferStatus, offer};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// An offer to insert.
pub struct NewOffer {
    pub lead_id: Uuid,
    pub contractor_id: Uuid,
    pub rank: i32,
    pub score: f64,
    pub terms: serde_json::Value,
    pub distance_km: Option<f64>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &impl ConnectionTrait, n: NewOffer, now: DateTime<Utc>) -> Result<offer::Model, DbErr> {
    offer::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(n.lead_id),
        contractor_id: Set(n.contractor_id),
        status: Set(OfferStatus::Open),
        rank: Set(n.rank),
        score: Set(n.score),
        terms: Set(n.terms),
        distance_km: Set(n.distance_km),
        created_at: Set(now),
        expires_at: Set(n.expires_at),
        responded_at: Set(None),
        seen_at: Set(None),
        decline_reason: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<offer::Model>, DbErr> {
    offer::Entity::find_by_id(id).one(db).await
}

pub async fn for_lead(db: &impl ConnectionTrait, lead_id: Uuid) -> Result<Vec<offer::Model>, DbErr> {
    offer::Entity::find().filter(offer::Column::LeadId.eq(lead_id)).order_by_asc(offer::Column::Id).all(db).await
}

/// Offers of many leads in one query (for the DataLoader).
pub async fn for_leads(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<offer::Model>>, DbErr> {
    let rows = offer::Entity::find()
        .filter(offer::Column::LeadId.is_in(ids.iter().copied()))
        .order_by_asc(offer::Column::Id)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<offer::Model>> = HashMap::new();
    for r in rows {
        map.entry(r.lead_id).or_default().push(r);
    }
    Ok(map)
}

pub async fn open_count(db: &impl ConnectionTrait, lead_id: Uuid) -> Result<u64, DbErr> {
    offer::Entity::find()
        .filter(offer::Column::LeadId.eq(lead_id))
        .filter(offer::Column::Status.eq(OfferStatus::Open))
        .count(db)
        .await
}

/// The companies that had their chance at a lead: every one offered it, and every one that had
/// a job for it (assigned by hand, say, then cancelled or returned).
pub async fn offered_contractors(db: &impl ConnectionTrait, lead_id: Uuid) -> Result<HashSet<Uuid>, DbErr> {
    let offered: Vec<Uuid> = offer::Entity::find()
        .select_only()
        .column(offer::Column::ContractorId)
        .filter(offer::Column::LeadId.eq(lead_id))
        .into_tuple()
        .all(db)
        .await?;
    let worked: Vec<Uuid> = entities::job::Entity::find()
        .select_only()
        .column(entities::job::Column::ContractorId)
        .filter(entities::job::Column::LeadId.eq(lead_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(offered.into_iter().chain(worked).collect())
}

/// A contractor's offers in a status, newest first.
pub async fn for_contractor(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    status: Option<OfferStatus>,
    limit: u64,
) -> Result<Vec<offer::Model>, DbErr> {
    let mut q = offer::Entity::find().filter(offer::Column::ContractorId.eq(contractor_id));
    if let Some(s) = status {
        q = q.filter(offer::Column::Status.eq(s));
    }
    q.order_by_desc(offer::Column::Id).limit(limit).all(db).await
}

/// Moves an offer out of `OPEN` if it still is (and, with `unexpired_at`, has not expired by then).
/// Returns whether this call made the change: the exactly-once step of accept, decline and expiry.
pub async fn close_if_open(
    db: &impl ConnectionTrait,
    id: Uuid,
    to: OfferStatus,
    now: DateTime<Utc>,
    unexpired_at: Option<DateTime<Utc>>,
    reason: Option<String>,
) -> Result<bool, DbErr> {
    closes_to(to)?;
    let mut q = offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value(to))
        .col_expr(offer::Column::RespondedAt, Expr::value(now))
        .col_expr(offer::Column::DeclineReason, Expr::value(reason))
        .filter(offer::Column::Id.eq(id))
        .filter(offer::Column::Status.eq(OfferStatus::Open));
    if let Some(t) = unexpired_at {
        q = q.filter(offer::Column::ExpiresAt.gt(t));
    }
    Ok(q.exec(db).await?.rows_affected == 1)
}

/// An offer only ever closes from `OPEN`, along the graph on `OfferStatus`.
fn closes_to(to: OfferStatus) -> Result<(), DbErr> {
    if OfferStatus::Open.can_transition_to(to) {
        Ok(())
    } else {
        Err(DbErr::Custom(format!("an open offer cannot become {to:?}")))
    }
}

/// Closes every open offer of a lead (`TAKEN` after an accept, `WITHDRAWN` on cancel or manual
/// assignment) and returns them as they are now.
pub async fn close_open_for_lead(
    db: &impl ConnectionTrait,
    lead_id: Uuid,
    to: OfferStatus,
    now: DateTime<Utc>,
) -> Result<Vec<offer::Model>, DbErr> {
    closes_to(to)?;
    let open = offer::Entity::find()
        .filter(offer::Column::LeadId.eq(lead_id))
        .filter(offer::Column::Status.eq(OfferStatus::Open))
        .all(db)
        .await?;
    if open.is_empty() {
        return Ok(open);
    }
    let ids: Vec<Uuid> = open.iter().map(|o| o.id).collect();
    offer::Entity::update_many()
        .col_expr(offer::Column::Status, Expr::value(to))
        .col_expr(offer::Column::RespondedAt, Expr::value(now))
        .filter(offer::Column::Id.is_in(ids))
        .filter(offer::Column::Status.eq(OfferStatus::Open))
        .exec(db)
        .await?;
    Ok(open
        .into_iter()
        .map(|mut o| {
            o.status = to;
            o.responded_at = Some(now);
            o
        })
        .collect())
}

/// Open offers whose time is up, oldest first.
pub async fn due(db: &impl ConnectionTrait, now: DateTime<Utc>, limit: u64) -> Result<Vec<offer::Model>, DbErr> {
    offer::Entity::find()
        .filter(offer::Column::Status.eq(OfferStatus::Open))
        .filter(offer::Column::ExpiresAt.lte(now))
        .order_by_asc(offer::Column::ExpiresAt)
        .limit(limit)
        .all(db)
        .await
}

#[derive(FromQueryResult)]
struct RecentRow {
    contractor_id: Uuid,
    recent: i64,
    last: Option<DateTime<Utc>>,
}

/// Per contractor (of `of`, or all): offers since `day_ago`, and the latest offer since `horizon`.
pub async fn recent_stats(
    db: &impl ConnectionTrait,
    day_ago: DateTime<Utc>,
    horizon: DateTime<Utc>,
    of: Option<&[Uuid]>,
) -> Result<HashMap<Uuid, (i64, Option<DateTime<Utc>>)>, DbErr> {
    let q = offer::Entity::find()
        .select_only()
        .column(offer::Column::ContractorId)
        .column_as(
            Expr::expr(Func::sum(Expr::case(offer::Column::CreatedAt.gte(day_ago), 1i32).finally(0i32))),
            "recent",
        )
        .column_as(offer::Column::CreatedAt.max(), "last")
        .filter(offer::Column::CreatedAt.gte(horizon))
        .group_by(offer::Column::ContractorId);
    let rows = match of {
        None => q.into_model::<RecentRow>().all(db).await?,
        Some(ids) => {
            let mut rows = Vec::new();
            for chunk in ids.chunks(10_000) {
                let q = q.clone().filter(offer::Column::ContractorId.is_in(chunk.iter().copied()));
                rows.extend(q.into_model::<RecentRow>().all(db).await?);
            }
            rows
        }
    };
    Ok(rows.into_iter().map(|r| (r.contractor_id, (r.recent, r.last))).collect())
}

/// These offers of one contractor (others' are left out).
pub async fn of_contractor(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<offer::Model>, DbErr> {
    offer::Entity::find()
        .filter(offer::Column::ContractorId.eq(contractor_id))
        .filter(offer::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Sets when the contractor first opened the offer; whether this was the first time.
pub async fn mark_seen(db: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let res = offer::Entity::update_many()
        .col_expr(offer::Column::SeenAt, Expr::value(Some(at)))
        .filter(offer::Column::Id.eq(id))
        .filter(offer::Column::SeenAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

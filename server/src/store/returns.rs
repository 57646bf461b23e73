//! Lead returns (`lead_returns`).

use chrono::{DateTime, Utc};
use entities::{ReturnReason, ReturnStatus, lead_return as ret};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use uuid::Uuid;

pub struct NewReturn {
    pub job_id: Uuid,
    pub lead_id: Uuid,
    pub contractor_id: Uuid,
    pub reason: ReturnReason,
    pub note: String,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewReturn, now: DateTime<Utc>) -> Result<ret::Model, DbErr> {
    ret::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(new.job_id),
        lead_id: Set(new.lead_id),
        contractor_id: Set(new.contractor_id),
        reason: Set(new.reason),
        note: Set(new.note),
        status: Set(ReturnStatus::Pending),
        created_at: Set(now),
        decided_at: Set(None),
        decided_by: Set(None),
        decision_note: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<ret::Model>, DbErr> {
    ret::Entity::find_by_id(id).one(db).await
}

pub async fn for_job(db: &impl ConnectionTrait, job_id: Uuid) -> Result<Option<ret::Model>, DbErr> {
    ret::Entity::find().filter(ret::Column::JobId.eq(job_id)).one(db).await
}

/// Decides a pending return, once: `false` if it was decided already (by another admin at the
/// same moment, say). The status graph on `ReturnStatus` is the one enforced.
pub async fn decide(
    db: &impl ConnectionTrait,
    id: Uuid,
    to: ReturnStatus,
    by: Option<Uuid>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if !ReturnStatus::Pending.can_transition_to(to) {
        return Err(DbErr::Custom(format!("a return cannot move from PENDING to {to:?}")));
    }
    let res = ret::Entity::update_many()
        .col_expr(ret::Column::Status, Expr::value(to))
        .col_expr(ret::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(ret::Column::DecidedBy, Expr::value(by))
        .col_expr(ret::Column::DecisionNote, Expr::value(note))
        .filter(ret::Column::Id.eq(id))
        .filter(ret::Column::Status.eq(ReturnStatus::Pending))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The jobs among `contractor_id`'s accepted since `since` whose return was upheld.
pub async fn upheld_jobs(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    ret::Entity::find()
        .select_only()
        .column(ret::Column::JobId)
        .filter(ret::Column::ContractorId.eq(contractor_id))
        .filter(ret::Column::Status.eq(ReturnStatus::Upheld))
        .filter(ret::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await
}

/// Which returns a list shows.
#[derive(Default)]
pub struct ReturnFilter {
    pub status: Option<ReturnStatus>,
    /// Only this company's (a contractor's own list).
    pub contractor_id: Option<Uuid>,
}

fn filtered(f: &ReturnFilter) -> Select<ret::Entity> {
    let mut q = ret::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(ret::Column::Status.eq(s));
    }
    if let Some(c) = f.contractor_id {
        q = q.filter(ret::Column::ContractorId.eq(c));
    }
    q
}

/// Newest first, after the cursor's id; with the total that match.
pub async fn page(
    db: &impl ConnectionTrait,
    f: &ReturnFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<ret::Model>, u64), DbErr> {
    let total = filtered(f).count(db).await?;
    let mut q = filtered(f);
    if let Some(b) = before {
        q = q.filter(ret::Column::Id.lt(b));
    }
    let rows = q.order_by_desc(ret::Column::Id).limit(limit).all(db).await?;
    Ok((rows, total))
}

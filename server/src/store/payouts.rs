use chrono::Utc;
use entities::{PayoutStatus, payout};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use uuid::Uuid;

/// A ledger entry to write; the amounts are already split.
pub struct NewPayout {
    pub job_id: Uuid,
    pub contractor_id: Uuid,
    pub gross_cents: i64,
    pub commission_bps: i32,
    pub commission_cents: i64,
    pub payout_cents: i64,
    pub status_reason: Option<String>,
}

pub async fn insert(db: &impl ConnectionTrait, n: NewPayout) -> Result<payout::Model, DbErr> {
    let now = Utc::now();
    payout::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(n.job_id),
        contractor_id: Set(n.contractor_id),
        gross_cents: Set(n.gross_cents),
        commission_bps: Set(n.commission_bps),
        commission_cents: Set(n.commission_cents),
        payout_cents: Set(n.payout_cents),
        status: Set(PayoutStatus::Pending),
        status_reason: Set(n.status_reason),
        transfer_id: Set(None),
        attempts: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<payout::Model>, DbErr> {
    payout::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_job(db: &impl ConnectionTrait, job_id: Uuid) -> Result<Option<payout::Model>, DbErr> {
    payout::Entity::find().filter(payout::Column::JobId.eq(job_id)).one(db).await
}

/// Moves a payout from `from` to `to` with a reason, only if it is still in `from`.
pub async fn set_status_from(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: PayoutStatus,
    to: PayoutStatus,
    reason: Option<String>,
) -> Result<Option<payout::Model>, DbErr> {
    let res = payout::Entity::update_many()
        .col_expr(payout::Column::Status, Expr::value(to))
        .col_expr(payout::Column::StatusReason, Expr::value(reason))
        .col_expr(payout::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payout::Column::Id.eq(id))
        .filter(payout::Column::Status.eq(from))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

/// Filters for payout lists.
#[derive(Debug, Default, Clone)]
pub struct PayoutFilter {
    pub status: Option<PayoutStatus>,
    pub contractor_id: Option<Uuid>,
    /// Created at or after.
    pub from: Option<chrono::DateTime<Utc>>,
    /// Created before.
    pub to: Option<chrono::DateTime<Utc>>,
}

fn filtered(f: &PayoutFilter) -> Select<payout::Entity> {
    let mut q = payout::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(payout::Column::Status.eq(s));
    }
    if let Some(c) = f.contractor_id {
        q = q.filter(payout::Column::ContractorId.eq(c));
    }
    if let Some(from) = f.from {
        q = q.filter(payout::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(payout::Column::CreatedAt.lt(to));
    }
    q
}

/// Every payout matching the filter, oldest first (reports; periods keep them bounded).
pub async fn all(db: &impl ConnectionTrait, f: &PayoutFilter) -> Result<Vec<payout::Model>, DbErr> {
    filtered(f).order_by_asc(payout::Column::Id).all(db).await
}

/// Newest first; `before` is the id of the last row of the previous page.
pub async fn page(
    db: &impl ConnectionTrait,
    f: &PayoutFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<payout::Model>, DbErr> {
    let mut q = filtered(f);
    if let Some(b) = before {
        q = q.filter(payout::Column::Id.lt(b));
    }
    q.order_by_desc(payout::Column::Id).limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &PayoutFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

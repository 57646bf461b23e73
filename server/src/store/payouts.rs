use chrono::Utc;
use entities::{PayoutStatus, payout};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
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
        idempotency_key: Set(None),
        lease_until: Set(None),
        batch_id: Set(None),
        reversed_cents: Set(0),
        reversal_id: Set(None),
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
/// The orders a list of payouts comes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PayoutOrder {
    #[default]
    Newest,
    Oldest,
    /// The largest payout to the contractor first, newest first among equals.
    Largest,
}

/// Where a page continues: after this payout (and, largest first, after its amount).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayoutPosition {
    pub id: Uuid,
    pub payout_cents: i64,
}

/// A page in `order`, continuing after `after` (ids are time-ordered, so by id is by creation).
pub async fn page(
    db: &impl ConnectionTrait,
    f: &PayoutFilter,
    order: PayoutOrder,
    after: Option<PayoutPosition>,
    limit: u64,
) -> Result<Vec<payout::Model>, DbErr> {
    use payout::Column as C;
    let mut q = filtered(f);
    match (order, after) {
        (PayoutOrder::Newest, Some(a)) => q = q.filter(C::Id.lt(a.id)),
        (PayoutOrder::Oldest, Some(a)) => q = q.filter(C::Id.gt(a.id)),
        (PayoutOrder::Largest, Some(a)) => {
            q = q.filter(
                Condition::any()
                    .add(C::PayoutCents.lt(a.payout_cents))
                    .add(Condition::all().add(C::PayoutCents.eq(a.payout_cents)).add(C::Id.lt(a.id))),
            )
        }
        (_, None) => {}
    }
    q = match order {
        PayoutOrder::Newest => q.order_by_desc(C::Id),
        PayoutOrder::Oldest => q.order_by_asc(C::Id),
        PayoutOrder::Largest => q.order_by_desc(C::PayoutCents).order_by_desc(C::Id),
    };
    q.limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &PayoutFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

/// Payouts a batch may work on: pending ones, and processing ones whose lease has lapsed (an
/// interrupted batch, or a transfer with an unknown outcome). Oldest first.
pub async fn batch_candidates(
    db: &impl ConnectionTrait,
    only: Option<&[Uuid]>,
    now: chrono::DateTime<Utc>,
    limit: u64,
) -> Result<Vec<payout::Model>, DbErr> {
    let mut q = payout::Entity::find()
        .filter(payout::Column::Status.is_in([PayoutStatus::Pending, PayoutStatus::Processing]))
        .filter(payout::Column::LeaseUntil.is_null().or(payout::Column::LeaseUntil.lt(now)));
    if let Some(ids) = only {
        q = q.filter(payout::Column::Id.is_in(ids.iter().copied()));
    }
    q.order_by_asc(payout::Column::Id).limit(limit).all(db).await
}

/// Takes a payout for a batch: only if it is still in `from` and nobody else holds it. From
/// `PENDING` this starts a new attempt with a new idempotency key; from `PROCESSING` it keeps the
/// attempt and key, so the provider answers the earlier request instead of paying again.
pub async fn claim(
    db: &impl ConnectionTrait,
    p: &payout::Model,
    batch_id: Uuid,
    now: chrono::DateTime<Utc>,
    lease_until: chrono::DateTime<Utc>,
) -> Result<Option<payout::Model>, DbErr> {
    let (attempts, key) = if p.status == PayoutStatus::Pending {
        let n = p.attempts + 1;
        (n, attempt_key(p.id, n))
    } else {
        (p.attempts, p.idempotency_key.clone().unwrap_or_else(|| attempt_key(p.id, std::cmp::max(p.attempts, 1))))
    };
    let mut q = payout::Entity::update_many();
    if p.status == PayoutStatus::Pending {
        // A new attempt: an earlier attempt's transfer (one that failed) is no longer current.
        q = q.col_expr(payout::Column::TransferId, Expr::value(Option::<String>::None));
    }
    let res = q
        .col_expr(payout::Column::Status, Expr::value(PayoutStatus::Processing))
        .col_expr(payout::Column::StatusReason, Expr::value(Some("transfer requested".to_string())))
        .col_expr(payout::Column::Attempts, Expr::value(attempts))
        .col_expr(payout::Column::IdempotencyKey, Expr::value(Some(key)))
        .col_expr(payout::Column::LeaseUntil, Expr::value(Some(lease_until)))
        .col_expr(payout::Column::BatchId, Expr::value(Some(batch_id)))
        .col_expr(payout::Column::UpdatedAt, Expr::value(now))
        .filter(payout::Column::Id.eq(p.id))
        .filter(payout::Column::Status.eq(p.status))
        .filter(payout::Column::Attempts.eq(p.attempts))
        .filter(payout::Column::LeaseUntil.is_null().or(payout::Column::LeaseUntil.lt(now)))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, p.id).await
}

/// `payout-<id>` for the first attempt; `payout-<id>-a<n>` for a retry after a definite failure.
pub fn attempt_key(id: Uuid, attempt: i32) -> String {
    if attempt <= 1 { format!("payout-{id}") } else { format!("payout-{id}-a{attempt}") }
}

/// What to write when a payout's transfer settles one way or the other.
#[derive(Debug, Default)]
pub struct Settle {
    pub reason: Option<String>,
    pub transfer_id: Option<String>,
    pub paid_at: Option<chrono::DateTime<Utc>>,
    pub reversed_cents: Option<i64>,
    pub reversal_id: Option<String>,
    /// The money did not arrive after all (a failure reported after the transfer).
    pub clear_paid_at: bool,
}

/// Moves a payout from any of `from` to `to`, clearing its lease; `None` if it was in none.
pub async fn settle(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: &[PayoutStatus],
    to: PayoutStatus,
    s: Settle,
) -> Result<Option<payout::Model>, DbErr> {
    let mut q = payout::Entity::update_many()
        .col_expr(payout::Column::Status, Expr::value(to))
        .col_expr(payout::Column::StatusReason, Expr::value(s.reason))
        .col_expr(payout::Column::LeaseUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .col_expr(payout::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(t) = s.transfer_id {
        q = q.col_expr(payout::Column::TransferId, Expr::value(Some(t)));
    }
    if let Some(t) = s.paid_at {
        q = q.col_expr(payout::Column::PaidAt, Expr::value(Some(t)));
    } else if s.clear_paid_at {
        q = q.col_expr(payout::Column::PaidAt, Expr::value(Option::<chrono::DateTime<Utc>>::None));
    }
    if let Some(c) = s.reversed_cents {
        q = q.col_expr(payout::Column::ReversedCents, Expr::value(c));
    }
    if let Some(r) = s.reversal_id {
        q = q.col_expr(payout::Column::ReversalId, Expr::value(Some(r)));
    }
    let res =
        q.filter(payout::Column::Id.eq(id)).filter(payout::Column::Status.is_in(from.iter().copied())).exec(db).await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

/// Leaves a payout where it is with a new reason and no lease (the next batch may take it).
pub async fn release(db: &impl ConnectionTrait, id: Uuid, status: PayoutStatus, reason: String) -> Result<(), DbErr> {
    payout::Entity::update_many()
        .col_expr(payout::Column::StatusReason, Expr::value(Some(reason)))
        .col_expr(payout::Column::LeaseUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .col_expr(payout::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(payout::Column::Id.eq(id))
        .filter(payout::Column::Status.eq(status))
        .exec(db)
        .await?;
    Ok(())
}

/// The payout a Stripe transfer belongs to: by the id in its metadata, else by transfer id.
pub async fn find_for_transfer(
    db: &impl ConnectionTrait,
    payout_id: Option<Uuid>,
    transfer_id: &str,
) -> Result<Option<payout::Model>, DbErr> {
    if let Some(id) = payout_id
        && let Some(p) = find(db, id).await?
    {
        return Ok(Some(p));
    }
    payout::Entity::find().filter(payout::Column::TransferId.eq(transfer_id)).one(db).await
}

pub mod batches {
    use chrono::Utc;
    use entities::payout_batch;
    use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect, Set};
    use uuid::Uuid;

    pub async fn start(
        db: &impl ConnectionTrait,
        trigger: &str,
        started_by: &str,
    ) -> Result<payout_batch::Model, DbErr> {
        payout_batch::ActiveModel {
            id: Set(Uuid::now_v7()),
            trigger: Set(trigger.into()),
            started_by: Set(started_by.into()),
            started_at: Set(Utc::now()),
            finished_at: Set(None),
            considered: Set(0),
            paid: Set(0),
            failed: Set(0),
            skipped: Set(0),
            unresolved: Set(0),
            paid_cents: Set(0),
        }
        .insert(db)
        .await
    }

    pub async fn finish(db: &impl ConnectionTrait, b: payout_batch::Model) -> Result<payout_batch::Model, DbErr> {
        let mut a: payout_batch::ActiveModel = b.clone().into();
        a.finished_at = Set(Some(Utc::now()));
        a.considered = Set(b.considered);
        a.paid = Set(b.paid);
        a.failed = Set(b.failed);
        a.skipped = Set(b.skipped);
        a.unresolved = Set(b.unresolved);
        a.paid_cents = Set(b.paid_cents);
        a.update(db).await
    }

    pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<payout_batch::Model>, DbErr> {
        payout_batch::Entity::find_by_id(id).one(db).await
    }

    /// Newest first.
    pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<payout_batch::Model>, DbErr> {
        payout_batch::Entity::find().order_by_desc(payout_batch::Column::Id).limit(limit).all(db).await
    }
}

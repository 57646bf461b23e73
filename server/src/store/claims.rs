use chrono::{DateTime, NaiveDate, Utc};
use entities::{ClaimStatus, claim, job, lead};
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use uuid::Uuid;

/// A claim to insert.
pub struct NewClaim {
    pub lead_id: Uuid,
    pub insurer_id: Uuid,
    pub claim_number: String,
    pub claimed_cents: i64,
    pub excess_cents: i64,
    pub lodged_at: DateTime<Utc>,
    pub decision_due_on: NaiveDate,
    pub decision_due_at: DateTime<Utc>,
}

pub async fn insert(db: &impl ConnectionTrait, n: NewClaim) -> Result<claim::Model, DbErr> {
    let now = Utc::now();
    let m = claim::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(n.lead_id),
        insurer_id: Set(n.insurer_id),
        claim_number: Set(n.claim_number),
        status: Set(ClaimStatus::Lodged),
        claimed_cents: Set(n.claimed_cents),
        approved_cents: Set(None),
        excess_cents: Set(n.excess_cents),
        decision_note: Set(None),
        lodged_at: Set(n.lodged_at),
        decision_due_on: Set(n.decision_due_on),
        decision_due_at: Set(Some(n.decision_due_at)),
        decided_at: Set(None),
        settled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    super::search::index_claim(db, &m).await?;
    Ok(m)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<claim::Model>, DbErr> {
    claim::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_lead(db: &impl ConnectionTrait, lead_id: Uuid) -> Result<Option<claim::Model>, DbErr> {
    claim::Entity::find().filter(claim::Column::LeadId.eq(lead_id)).one(db).await
}

/// Writes a claim's change only if it is still in `from`.
pub async fn update_from(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: ClaimStatus,
    mut am: claim::ActiveModel,
) -> Result<Option<claim::Model>, DbErr> {
    am.updated_at = Set(Utc::now());
    let res = claim::Entity::update_many()
        .set(am)
        .filter(claim::Column::Id.eq(id))
        .filter(claim::Column::Status.eq(from))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

/// Filters for claim lists.
#[derive(Debug, Default, Clone)]
pub struct ClaimFilter {
    pub status: Option<ClaimStatus>,
    pub insurer_id: Option<Uuid>,
    /// Only claims of leads this partner sent in or insures.
    pub partner_id: Option<Uuid>,
    /// Only claims of leads whose job belongs to this contractor.
    pub contractor_id: Option<Uuid>,
    /// Only undecided claims past their decision date (as of this instant).
    pub overdue_at: Option<DateTime<Utc>>,
    /// Lodged at or after.
    pub lodged_from: Option<DateTime<Utc>>,
    /// Lodged before.
    pub lodged_before: Option<DateTime<Utc>>,
}

fn filtered(f: &ClaimFilter) -> Select<claim::Entity> {
    let mut q = claim::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(claim::Column::Status.eq(s));
    }
    if let Some(i) = f.insurer_id {
        q = q.filter(claim::Column::InsurerId.eq(i));
    }
    if let Some(p) = f.partner_id {
        q = q.filter(
            claim::Column::LeadId.in_subquery(
                Query::select()
                    .column(lead::Column::Id)
                    .from(lead::Entity)
                    .cond_where(
                        sea_orm::Condition::any()
                            .add(lead::Column::SourcePartnerId.eq(p))
                            .add(lead::Column::InsurerId.eq(p)),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(c) = f.contractor_id {
        q = q.filter(
            claim::Column::LeadId.in_subquery(
                Query::select()
                    .column(job::Column::LeadId)
                    .from(job::Entity)
                    .and_where(job::Column::ContractorId.eq(c))
                    .and_where(job::Column::Status.ne(entities::JobStatus::Cancelled))
                    .to_owned(),
            ),
        );
    }
    if let Some(at) = f.overdue_at {
        let past = claim::Column::DecisionDueAt
            .lte(at)
            .or(claim::Column::DecisionDueAt.is_null().and(claim::Column::DecisionDueOn.lt(at.date_naive())));
        q = q.filter(claim::Column::Status.is_in([ClaimStatus::Lodged, ClaimStatus::Assessing])).filter(past);
    }
    if let Some(t) = f.lodged_from {
        q = q.filter(claim::Column::LodgedAt.gte(t));
    }
    if let Some(t) = f.lodged_before {
        q = q.filter(claim::Column::LodgedAt.lt(t));
    }
    q
}

/// The orders a claim list comes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClaimOrder {
    #[default]
    Newest,
    /// The soonest decision date first (the Code of Practice clock), oldest lodgement first
    /// among equals.
    DecisionDue,
}

/// Where a page continues: after this claim (and, by decision date, after its date).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimPosition {
    pub id: Uuid,
    pub due_on: chrono::NaiveDate,
}

/// In `order`; `after` is where the previous page ended.
pub async fn page(
    db: &impl ConnectionTrait,
    f: &ClaimFilter,
    order: ClaimOrder,
    after: Option<ClaimPosition>,
    limit: u64,
) -> Result<Vec<claim::Model>, DbErr> {
    let mut q = filtered(f);
    q = match (order, after) {
        (ClaimOrder::Newest, Some(a)) => q.filter(claim::Column::Id.lt(a.id)),
        (ClaimOrder::DecisionDue, Some(a)) => q.filter(
            sea_orm::Condition::any().add(claim::Column::DecisionDueOn.gt(a.due_on)).add(
                sea_orm::Condition::all()
                    .add(claim::Column::DecisionDueOn.eq(a.due_on))
                    .add(claim::Column::Id.gt(a.id)),
            ),
        ),
        (_, None) => q,
    };
    q = match order {
        ClaimOrder::Newest => q.order_by_desc(claim::Column::Id),
        ClaimOrder::DecisionDue => q.order_by_asc(claim::Column::DecisionDueOn).order_by_asc(claim::Column::Id),
    };
    q.limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &ClaimFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

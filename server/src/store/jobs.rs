use chrono::{DateTime, Utc};
use entities::{ActorKind, JobEventKind, JobStatus, job, job_event, lead};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};
use uuid::Uuid;

use crate::domain::capture::Capture;

/// Creates the job for a lead. A partial unique index allows one job per lead that is not cancelled.
pub async fn insert(
    db: &impl ConnectionTrait,
    lead_id: Uuid,
    contractor_id: Uuid,
    offer_id: Option<Uuid>,
    contact_due_at: DateTime<Utc>,
) -> Result<job::Model, DbErr> {
    let now = Utc::now();
    let m = job::ActiveModel {
        id: Set(Uuid::now_v7()),
        lead_id: Set(lead_id),
        contractor_id: Set(contractor_id),
        offer_id: Set(offer_id),
        status: Set(JobStatus::AwaitingContact),
        created_at: Set(now),
        updated_at: Set(now),
        quote_cents: Set(None),
        approved_cents: Set(None),
        scheduled_for: Set(None),
        contacted_at: Set(None),
        started_at: Set(None),
        completed_at: Set(None),
        cancelled_reason: Set(None),
        satisfaction: Set(None),
        satisfaction_comment: Set(None),
        satisfaction_by: Set(None),
        contact_due_at: Set(Some(contact_due_at)),
        stage_entered_at: Set(Some(now)),
        overdue_flagged_at: Set(None),
    }
    .insert(db)
    .await?;
    super::search::index_job(db, &m).await?;
    Ok(m)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find_by_id(id).one(db).await
}

/// The lead's current job: the live one, else the latest.
pub async fn find_by_lead(db: &impl ConnectionTrait, lead_id: Uuid) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find().filter(job::Column::LeadId.eq(lead_id)).order_by_desc(job::Column::Id).one(db).await
}

/// Moves a job from `from` to `to` only if it is still in `from` (two people advancing the same
/// job at once cannot both succeed), writing the changed fields of `am`.
pub async fn move_stage(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: JobStatus,
    mut am: job::ActiveModel,
) -> Result<Option<job::Model>, DbErr> {
    let to = match &am.status {
        sea_orm::ActiveValue::Set(to) => *to,
        _ => return Err(DbErr::Custom("a job move names the status it moves to".into())),
    };
    if !from.can_transition_to(to) {
        return Err(DbErr::Custom(format!("a job cannot move from {from:?} to {to:?}")));
    }
    let now = Utc::now();
    am.updated_at = Set(now);
    am.stage_entered_at = Set(Some(now));
    am.overdue_flagged_at = Set(None);
    let res = job::Entity::update_many()
        .set(am)
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(from))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

/// Records the customer's rating once. Returns false if the job was rated already.
pub async fn rate_once(
    db: &impl ConnectionTrait,
    id: Uuid,
    score: i32,
    comment: Option<String>,
    by: &str,
) -> Result<bool, DbErr> {
    let res = job::Entity::update_many()
        .col_expr(job::Column::Satisfaction, Expr::value(score))
        .col_expr(job::Column::SatisfactionComment, Expr::value(comment))
        .col_expr(job::Column::SatisfactionBy, Expr::value(Some(by.to_string())))
        .col_expr(job::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(JobStatus::Completed))
        .filter(job::Column::Satisfaction.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The customer's own rating in place of one recorded on their behalf (`previous`, by someone
/// other than the customer); whether it took.
pub async fn replace_rating_by_customer(
    db: &impl ConnectionTrait,
    id: Uuid,
    previous: i32,
    score: i32,
    comment: Option<String>,
) -> Result<bool, DbErr> {
    let res = job::Entity::update_many()
        .col_expr(job::Column::Satisfaction, Expr::value(score))
        .col_expr(job::Column::SatisfactionComment, Expr::value(comment))
        .col_expr(job::Column::SatisfactionBy, Expr::value(Some("CUSTOMER".to_string())))
        .col_expr(job::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Satisfaction.eq(previous))
        // Recorded by someone else (or before who rated was kept).
        .filter(
            sea_orm::Condition::any()
                .add(job::Column::SatisfactionBy.is_null())
                .add(job::Column::SatisfactionBy.ne("CUSTOMER")),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// A timeline entry to write.
pub struct NewJobEvent {
    pub job_id: Uuid,
    pub kind: JobEventKind,
    pub from_status: Option<JobStatus>,
    pub to_status: Option<JobStatus>,
    pub actor: (ActorKind, Option<Uuid>, String),
    /// How the actor is shown outside NRP: role and company, no email.
    pub actor_public: String,
    pub note: Option<String>,
}

pub async fn insert_event(db: &impl ConnectionTrait, e: NewJobEvent) -> Result<job_event::Model, DbErr> {
    insert_captured_event(db, e, None).await
}

/// A timeline entry a phone took on site: its key (unique per job), time and position.
pub async fn insert_captured_event(
    db: &impl ConnectionTrait,
    e: NewJobEvent,
    capture: Option<&Capture>,
) -> Result<job_event::Model, DbErr> {
    let position = capture.and_then(|c| c.position);
    job_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(e.job_id),
        kind: Set(e.kind),
        from_status: Set(e.from_status),
        to_status: Set(e.to_status),
        actor_kind: Set(e.actor.0),
        actor_id: Set(e.actor.1),
        actor_label: Set(e.actor.2),
        actor_public: Set(Some(e.actor_public)),
        note: Set(e.note),
        client_key: Set(capture.map(|c| c.client_key.clone())),
        captured_at: Set(capture.map(|c| c.captured_at)),
        latitude: Set(position.map(|p| p.latitude)),
        longitude: Set(position.map(|p| p.longitude)),
        accuracy_m: Set(position.and_then(|p| p.accuracy_m)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

/// The entry a phone sent before under this key, if any.
pub async fn event_by_client_key(
    db: &impl ConnectionTrait,
    job_id: Uuid,
    client_key: &str,
) -> Result<Option<job_event::Model>, DbErr> {
    job_event::Entity::find()
        .filter(job_event::Column::JobId.eq(job_id))
        .filter(job_event::Column::ClientKey.eq(client_key))
        .one(db)
        .await
}

/// A job's timeline, oldest first.
pub async fn events(db: &impl ConnectionTrait, job_id: Uuid) -> Result<Vec<job_event::Model>, DbErr> {
    job_event::Entity::find()
        .filter(job_event::Column::JobId.eq(job_id))
        .order_by_asc(job_event::Column::Id)
        .all(db)
        .await
}

/// Filters for job lists.
#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub contractor_id: Option<Uuid>,
    /// Only jobs of leads this partner sent in or insures.
    pub partner_id: Option<Uuid>,
    /// Created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// Leave out cancelled jobs (when no `status` is given).
    pub hide_cancelled: bool,
    /// Only jobs still being worked: neither completed nor cancelled.
    pub open_only: bool,
}

fn filtered(f: &JobFilter) -> Select<job::Entity> {
    let mut q = job::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(job::Column::Status.eq(s));
    } else if f.hide_cancelled {
        q = q.filter(job::Column::Status.ne(JobStatus::Cancelled));
    }
    if f.open_only {
        q = q.filter(job::Column::Status.is_not_in([JobStatus::Completed, JobStatus::Cancelled]));
    }
    if let Some(c) = f.contractor_id {
        q = q.filter(job::Column::ContractorId.eq(c));
    }
    if let Some(t) = f.created_from {
        q = q.filter(job::Column::CreatedAt.gte(t));
    }
    if let Some(t) = f.created_before {
        q = q.filter(job::Column::CreatedAt.lt(t));
    }
    if let Some(p) = f.partner_id {
        q = q.filter(
            job::Column::LeadId.in_subquery(
                Query::select()
                    .column(lead::Column::Id)
                    .from(lead::Entity)
                    .cond_where(
                        Condition::any().add(lead::Column::SourcePartnerId.eq(p)).add(lead::Column::InsurerId.eq(p)),
                    )
                    .to_owned(),
            ),
        );
    }
    q
}

/// The orders a job list comes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JobOrder {
    #[default]
    Newest,
    Oldest,
}

/// In `order`; `after` is the id of the last row of the previous page.
pub async fn page(
    db: &impl ConnectionTrait,
    f: &JobFilter,
    order: JobOrder,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<job::Model>, DbErr> {
    let q = filtered(f);
    let q = match (order, after) {
        (JobOrder::Newest, Some(a)) => q.filter(job::Column::Id.lt(a)).order_by_desc(job::Column::Id),
        (JobOrder::Newest, None) => q.order_by_desc(job::Column::Id),
        (JobOrder::Oldest, Some(a)) => q.filter(job::Column::Id.gt(a)).order_by_asc(job::Column::Id),
        (JobOrder::Oldest, None) => q.order_by_asc(job::Column::Id),
    };
    q.limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &JobFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

/// Open jobs past their contact deadline (still awaiting contact) or idle in one stage since
/// before `idle_before`, oldest first.
pub async fn overdue(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<job::Model>, DbErr> {
    job::Entity::find()
        .filter(job::Column::Status.is_not_in([JobStatus::Completed, JobStatus::Cancelled]))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(job::Column::Status.eq(JobStatus::AwaitingContact))
                        .add(job::Column::ContactDueAt.lt(now)),
                )
                .add(job::Column::StageEnteredAt.lt(idle_before)),
        )
        .order_by_asc(job::Column::StageEnteredAt)
        .limit(limit)
        .all(db)
        .await
}

/// Marks a job as flagged once per stage; false if another instance (or an earlier sweep) did.
/// Flags a job overdue once, only while it is still in the stage it was found in (a job moved on
/// meanwhile is not overdue any more).
pub async fn flag_overdue(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: JobStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = job::Entity::update_many()
        .col_expr(job::Column::OverdueFlaggedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(status))
        .filter(job::Column::OverdueFlaggedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

use chrono::{DateTime, Utc};
use entities::{DamageType, LeadSource, LeadStatus, Urgency, lead};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use uuid::Uuid;

/// A lead to insert, already validated.
pub struct NewLead {
    pub status: LeadStatus,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub address: String,
    pub suburb: String,
    pub state: String,
    pub postcode: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub damage_type: DamageType,
    pub urgency: Urgency,
    pub estimated_value_cents: Option<i64>,
    pub insurer_id: Option<Uuid>,
    pub claim_number: Option<String>,
    pub source: LeadSource,
    pub source_partner_id: Option<Uuid>,
    pub description: String,
    pub duplicate_of: Option<Uuid>,
}

pub async fn insert(db: &impl ConnectionTrait, n: NewLead) -> Result<lead::Model, DbErr> {
    let now = Utc::now();
    let m = lead::ActiveModel {
        id: Set(Uuid::now_v7()),
        status: Set(n.status),
        customer_name: Set(n.customer_name),
        customer_phone: Set(n.customer_phone),
        customer_email: Set(n.customer_email),
        address: Set(n.address),
        suburb: Set(n.suburb),
        state: Set(n.state),
        postcode: Set(n.postcode),
        latitude: Set(n.latitude),
        longitude: Set(n.longitude),
        damage_type: Set(n.damage_type),
        urgency: Set(n.urgency),
        estimated_value_cents: Set(n.estimated_value_cents),
        insurer_id: Set(n.insurer_id),
        claim_number: Set(n.claim_number),
        source: Set(n.source),
        source_partner_id: Set(n.source_partner_id),
        description: Set(n.description),
        duplicate_of: Set(n.duplicate_of),
        assigned_contractor_id: Set(None),
        routing: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        first_offered_at: Set(None),
        assigned_at: Set(None),
        completed_at: Set(None),
    }
    .insert(db)
    .await?;
    super::search::index_lead(db, &m).await?;
    Ok(m)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<lead::Model>, DbErr> {
    lead::Entity::find_by_id(id).one(db).await
}

pub async fn find_many(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<lead::Model>, DbErr> {
    lead::Entity::find().filter(lead::Column::Id.is_in(ids.iter().copied())).all(db).await
}

/// The leads of these ids (one query), by id: for a list's rows that point at their leads.
pub async fn by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, lead::Model>, DbErr> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(find_many(db, &ids).await?.into_iter().map(|l| (l.id, l)).collect())
}

/// Takes the lead's row lock for the rest of the transaction (PostgreSQL; SQLite has one writer
/// anyway) and returns the lead as it now is. Every change to a lead's offers starts here, so
/// instances never interleave on one lead.
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<lead::Model>, DbErr> {
    let res = lead::Entity::update_many()
        .col_expr(lead::Column::Version, Expr::col(lead::Column::Version).add(1))
        .filter(lead::Column::Id.eq(id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

pub async fn claim_taken(db: &impl ConnectionTrait, insurer_id: Uuid, claim_number: &str) -> Result<bool, DbErr> {
    let n = lead::Entity::find()
        .filter(lead::Column::InsurerId.eq(insurer_id))
        .filter(lead::Column::ClaimNumber.eq(claim_number))
        .count(db)
        .await?;
    Ok(n > 0)
}

/// The first (non-duplicate) lead for the same customer phone, postcode and damage since `since`.
pub async fn find_original(
    db: &impl ConnectionTrait,
    phone: &str,
    postcode: &str,
    damage: DamageType,
    since: DateTime<Utc>,
    among_partner: Option<Uuid>,
) -> Result<Option<lead::Model>, DbErr> {
    let mut q = lead::Entity::find();
    if let Some(pid) = among_partner {
        q = q.filter(lead::Column::SourcePartnerId.eq(pid).or(lead::Column::InsurerId.eq(pid)));
    }
    q.filter(lead::Column::CustomerPhone.eq(phone))
        .filter(lead::Column::Postcode.eq(postcode))
        .filter(lead::Column::DamageType.eq(damage))
        .filter(lead::Column::CreatedAt.gte(since))
        .filter(lead::Column::Status.ne(LeadStatus::Duplicate))
        .order_by_asc(lead::Column::CreatedAt)
        .one(db)
        .await
}

/// Serialises lead creation for one customer (phone, postcode, damage) until the transaction
/// ends: a PostgreSQL transaction-level advisory lock on a hash of the three. SQLite has one
/// writer, which serialises creation already.
pub async fn lock_customer(
    db: &impl ConnectionTrait,
    phone: &str,
    postcode: &str,
    damage: DamageType,
) -> Result<(), DbErr> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("lead:{phone}:{postcode}:{damage:?}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let key = i64::from_be_bytes(first);
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// Writes a lead's fields other than its status (the caller holds the lead lock). A status
/// changes only through [`transition`].
pub async fn save(db: &impl ConnectionTrait, mut am: lead::ActiveModel) -> Result<lead::Model, DbErr> {
    if am.status.is_set() {
        return Err(DbErr::Custom("a lead's status changes only through store::leads::transition".into()));
    }
    am.updated_at = Set(Utc::now());
    am.update(db).await
}

/// Refuses a move the graph on `LeadStatus` does not allow.
fn allowed(from: LeadStatus, to: LeadStatus) -> Result<(), DbErr> {
    if from.can_transition_to(to) {
        Ok(())
    } else {
        Err(DbErr::Custom(format!("a lead cannot move from {from:?} to {to:?}")))
    }
}

/// Moves a lead (locked by the caller) from the status it was read with to `to`, with `edit`'s
/// changes to the fields that go with the move. A move the graph on `LeadStatus` does not allow
/// is refused here, whatever the service checked.
pub async fn transition(
    db: &impl ConnectionTrait,
    l: lead::Model,
    to: LeadStatus,
    edit: impl FnOnce(&mut lead::ActiveModel),
) -> Result<lead::Model, DbErr> {
    allowed(l.status, to)?;
    let mut am = l.into_active_model();
    edit(&mut am);
    am.status = Set(to);
    am.updated_at = Set(Utc::now());
    am.update(db).await
}

/// Writes a routing run's outcome on a lead locked by the caller: its explanation, when it was
/// first offered, and its status if that moves (checked as [`transition`] checks it). The
/// explanation goes to the database as text and is not read back: at national scale it is tens
/// of kilobytes, and copying its tree through the query builder and back cost more than ranking.
pub async fn record_routing(
    db: &impl ConnectionTrait,
    l: lead::Model,
    to: LeadStatus,
    routing: serde_json::Value,
    first_offered_at: Option<DateTime<Utc>>,
) -> Result<lead::Model, DbErr> {
    use chrono::SubsecRound;
    if to != l.status {
        allowed(l.status, to)?;
    }
    // As the database keeps them (microseconds), so the lead returned is the lead stored.
    let now = Utc::now().trunc_subsecs(6);
    let first_offered_at = first_offered_at.map(|t| t.trunc_subsecs(6));
    let text = serde_json::to_string(&routing).map_err(|e| DbErr::Custom(e.to_string()))?;
    let json: SimpleExpr = match db.get_database_backend() {
        DbBackend::Postgres => Expr::val(text).cast_as(Alias::new("json")),
        _ => Expr::val(text),
    };
    let mut q = lead::Entity::update_many()
        .col_expr(lead::Column::Routing, json)
        .col_expr(lead::Column::UpdatedAt, Expr::value(now))
        .filter(lead::Column::Id.eq(l.id));
    if to != l.status {
        q = q.col_expr(lead::Column::Status, Expr::value(to));
    }
    if let Some(at) = first_offered_at {
        q = q.col_expr(lead::Column::FirstOfferedAt, Expr::value(at));
    }
    if q.exec(db).await?.rows_affected != 1 {
        return Err(DbErr::RecordNotUpdated);
    }
    Ok(lead::Model {
        status: to,
        updated_at: now,
        routing: Some(routing),
        first_offered_at: first_offered_at.or(l.first_offered_at),
        ..l
    })
}

/// Leads still `NEW` after `before`: routing did not run (a crash between commit and routing).
pub async fn stranded_new(db: &impl ConnectionTrait, before: DateTime<Utc>, limit: u64) -> Result<Vec<Uuid>, DbErr> {
    let rows = lead::Entity::find()
        .filter(lead::Column::Status.eq(LeadStatus::New))
        .filter(lead::Column::CreatedAt.lt(before))
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|l| l.id).collect())
}

/// Filters for lead lists.
#[derive(Debug, Default, Clone)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    /// Only leads in one of these statuses (none: any).
    pub status_in: Vec<LeadStatus>,
    pub damage_type: Option<DamageType>,
    pub postcode: Option<String>,
    /// Only leads this partner sent or insures.
    pub partner_id: Option<Uuid>,
    pub assigned_contractor_id: Option<Uuid>,
    /// Received at or after this instant.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub received_to: Option<DateTime<Utc>>,
}

/// The orders a list of leads comes in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LeadOrder {
    #[default]
    Newest,
    Oldest,
    /// The highest estimated value first (leads without one last), newest first among equals.
    Value,
}

/// Where a page continues: after this lead (and, by value, after its value; -1 for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeadPosition {
    pub id: Uuid,
    pub value: i64,
}

fn filtered(f: &LeadFilter) -> Select<lead::Entity> {
    let mut q = lead::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(lead::Column::Status.eq(s));
    }
    if !f.status_in.is_empty() {
        q = q.filter(lead::Column::Status.is_in(f.status_in.iter().copied()));
    }
    if let Some(d) = f.damage_type {
        q = q.filter(lead::Column::DamageType.eq(d));
    }
    if let Some(p) = &f.postcode {
        q = q.filter(lead::Column::Postcode.eq(p.as_str()));
    }
    if let Some(p) = f.partner_id {
        q = q.filter(Condition::any().add(lead::Column::SourcePartnerId.eq(p)).add(lead::Column::InsurerId.eq(p)));
    }
    if let Some(c) = f.assigned_contractor_id {
        q = q.filter(lead::Column::AssignedContractorId.eq(c));
    }
    if let Some(t) = f.received_from {
        q = q.filter(lead::Column::CreatedAt.gte(t));
    }
    if let Some(t) = f.received_to {
        q = q.filter(lead::Column::CreatedAt.lt(t));
    }
    q
}

/// A page in `order`, continuing after `after` (ids are time-ordered, so by id is by arrival).
pub async fn page(
    db: &impl ConnectionTrait,
    f: &LeadFilter,
    order: LeadOrder,
    after: Option<LeadPosition>,
    limit: u64,
) -> Result<Vec<lead::Model>, DbErr> {
    let mut q = filtered(f);
    let value = || Expr::cust("COALESCE(estimated_value_cents, -1)");
    match (order, after) {
        (LeadOrder::Newest, Some(a)) => q = q.filter(lead::Column::Id.lt(a.id)),
        (LeadOrder::Oldest, Some(a)) => q = q.filter(lead::Column::Id.gt(a.id)),
        (LeadOrder::Value, Some(a)) => {
            q = q.filter(
                Condition::any()
                    .add(value().lt(a.value))
                    .add(Condition::all().add(value().eq(a.value)).add(lead::Column::Id.lt(a.id))),
            )
        }
        (_, None) => {}
    }
    q = match order {
        LeadOrder::Newest => q.order_by_desc(lead::Column::Id),
        LeadOrder::Oldest => q.order_by_asc(lead::Column::Id),
        LeadOrder::Value => q.order_by(value(), sea_orm::Order::Desc).order_by_desc(lead::Column::Id),
    };
    q.limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &LeadFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

fn missed_for(contractor_id: Uuid, postcodes: &[String], since: DateTime<Utc>) -> sea_orm::Select<lead::Entity> {
    use sea_orm::sea_query::Query;
    lead::Entity::find()
        .filter(lead::Column::Postcode.is_in(postcodes.iter().cloned()))
        .filter(lead::Column::CreatedAt.gte(since))
        // Never routed: held as a duplicate.
        .filter(lead::Column::Status.ne(LeadStatus::Duplicate))
        // Only leads whose routing named it (offered, ranked or left out, on record), so the
        // view reads no further than routing did.
        .filter(
            Condition::any()
                .add(
                    lead::Column::Id.in_subquery(
                        Query::select()
                            .column(entities::offer::Column::LeadId)
                            .from(entities::offer::Entity)
                            .and_where(entities::offer::Column::ContractorId.eq(contractor_id))
                            .to_owned(),
                    ),
                )
                .add(Expr::col(lead::Column::Routing).cast_as("TEXT").like(format!("%{contractor_id}%"))),
        )
        // Its own work (also a job since cancelled or returned) is not a lead it missed.
        .filter(
            lead::Column::Id.not_in_subquery(
                Query::select()
                    .column(entities::job::Column::LeadId)
                    .from(entities::job::Entity)
                    .and_where(entities::job::Column::ContractorId.eq(contractor_id))
                    .to_owned(),
            ),
        )
}

/// Leads sent in since `since` for a place in `postcodes` whose routing named `contractor_id`
/// and that it has never had a job for, newest first after `before`, with how many there are.
pub async fn missed_page(
    db: &impl ConnectionTrait,
    contractor_id: Uuid,
    postcodes: &[String],
    since: DateTime<Utc>,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<lead::Model>, u64), DbErr> {
    if postcodes.is_empty() {
        return Ok((vec![], 0));
    }
    let total = missed_for(contractor_id, postcodes, since).count(db).await?;
    let mut q = missed_for(contractor_id, postcodes, since);
    if let Some(b) = before {
        q = q.filter(lead::Column::Id.lt(b));
    }
    let rows = q.order_by_desc(lead::Column::Id).limit(limit).all(db).await?;
    Ok((rows, total))
}

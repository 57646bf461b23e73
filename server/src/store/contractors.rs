use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entities::{
    ContractorStatus, DamageType, certification, contractor, contractor_service_postcode as csp,
    contractor_specialty as cs, postcode_centroid,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, QueryStatementBuilder};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};
use uuid::Uuid;

/// A contractor company to insert, already validated.
pub struct NewContractor {
    pub company_name: String,
    pub abn: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub base_postcode: String,
    pub service_radius_km: i32,
    pub max_active_jobs: i32,
    pub daily_lead_cap: Option<i32>,
    pub status: ContractorStatus,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewContractor) -> Result<contractor::Model, DbErr> {
    let now = Utc::now();
    let m = contractor::ActiveModel {
        id: Set(Uuid::now_v7()),
        company_name: Set(new.company_name),
        abn: Set(new.abn),
        contact_name: Set(new.contact_name),
        email: Set(new.email),
        phone: Set(new.phone),
        base_postcode: Set(new.base_postcode),
        service_radius_km: Set(new.service_radius_km),
        max_active_jobs: Set(new.max_active_jobs),
        daily_lead_cap: Set(new.daily_lead_cap),
        commission_bps: Set(None),
        stripe_account_id: Set(None),
        stripe_payouts_enabled: Set(false),
        stripe_details_submitted: Set(false),
        stripe_requirements: Set(None),
        stripe_payout_failure: Set(None),
        stripe_synced_at: Set(None),
        verified_at: Set((new.status == ContractorStatus::Active).then_some(now)),
        status: Set(new.status),
        status_reason: Set(None),
        paused_until: Set(None),
        performance_score: Set(0.5),
        avg_response_secs: Set(None),
        acceptance_rate: Set(None),
        avg_rating: Set(None),
        rating_count: Set(0),
        active_jobs: Set(0),
        offers_decided: Set(0),
        offers_accepted: Set(0),
        responses: Set(0),
        response_secs_total: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        base_latitude: Set(None),
        base_longitude: Set(None),
        placed_radius_km: Set(None),
        score_adjustment: Set(0.0),
        score_adjustment_reason: Set(None),
        score_adjusted_at: Set(None),
        score_computed_at: Set(None),
    }
    .insert(db)
    .await?;
    super::search::index_contractor(db, &m).await?;
    place(db, std::slice::from_ref(&m)).await?;
    Ok(find(db, m.id).await?.unwrap_or(m))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<contractor::Model>, DbErr> {
    contractor::Entity::find_by_id(id).one(db).await
}

pub async fn find_many(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<contractor::Model>, DbErr> {
    contractor::Entity::find().filter(contractor::Column::Id.is_in(ids.iter().copied())).all(db).await
}

pub async fn abn_taken(db: &impl ConnectionTrait, abn: &str, except: Option<Uuid>) -> Result<bool, DbErr> {
    let mut q = contractor::Entity::find().filter(contractor::Column::Abn.eq(abn));
    if let Some(id) = except {
        q = q.filter(contractor::Column::Id.ne(id));
    }
    Ok(q.count(db).await? > 0)
}

/// Moves a contractor from `from` to `to` only if it is still in `from`: two admins acting at once
/// cannot both succeed. Returns whether this call made the change.
pub async fn transition_status(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: ContractorStatus,
    to: ContractorStatus,
    reason: Option<String>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let mut q = contractor::Entity::update_many()
        .col_expr(contractor::Column::Status, Expr::value(to))
        .col_expr(contractor::Column::StatusReason, Expr::value(reason))
        .col_expr(contractor::Column::UpdatedAt, Expr::value(now));
    if from == ContractorStatus::Pending && to == ContractorStatus::Active {
        q = q.col_expr(contractor::Column::VerifiedAt, Expr::value(now));
    }
    let res = q.filter(contractor::Column::Id.eq(id)).filter(contractor::Column::Status.eq(from)).exec(db).await?;
    Ok(res.rows_affected == 1)
}

/// Saves changed columns of an active model, stamping `updated_at`.
pub async fn save(db: &impl ConnectionTrait, mut am: contractor::ActiveModel) -> Result<contractor::Model, DbErr> {
    am.updated_at = Set(Utc::now());
    let moved = am.base_postcode.is_set() || am.service_radius_km.is_set();
    let m = am.update(db).await?;
    super::search::index_contractor(db, &m).await?;
    if moved {
        place(db, std::slice::from_ref(&m)).await?;
        return Ok(find(db, m.id).await?.unwrap_or(m));
    }
    Ok(m)
}

/// Puts contractors on the map: copies each base postcode's centre onto the row (none when the
/// postcode's centre is unknown: such a contractor covers only the postcodes it lists), and notes
/// the radius it was placed with. Idempotent, and safe for two instances at once.
pub async fn place(db: &impl ConnectionTrait, contractors: &[contractor::Model]) -> Result<(), DbErr> {
    if contractors.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = contractors.iter().map(|c| c.id).collect();
    // The base point from the centre table, in one statement for the batch.
    let centre_of = |col: postcode_centroid::Column| {
        let q = Query::select()
            .column(col)
            .from(postcode_centroid::Entity)
            .and_where(
                Expr::col((postcode_centroid::Entity, postcode_centroid::Column::Postcode))
                    .equals((contractor::Entity, contractor::Column::BasePostcode)),
            )
            .to_owned();
        Expr::SubQuery(None, Box::new(q.into_sub_query_statement()))
    };
    for chunk in ids.chunks(10_000) {
        contractor::Entity::update_many()
            .col_expr(contractor::Column::BaseLatitude, centre_of(postcode_centroid::Column::Latitude))
            .col_expr(contractor::Column::BaseLongitude, centre_of(postcode_centroid::Column::Longitude))
            .col_expr(contractor::Column::PlacedRadiusKm, Expr::col(contractor::Column::ServiceRadiusKm))
            .filter(contractor::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Places every contractor not yet on the map (rows from before the map, or bulk-loaded), a
/// batch at a time; returns how many.
pub async fn place_unplaced(db: &impl ConnectionTrait) -> Result<usize, DbErr> {
    let mut placed = 0;
    loop {
        let batch = contractor::Entity::find()
            .filter(contractor::Column::PlacedRadiusKm.is_null())
            .limit(10_000)
            .all(db)
            .await?;
        if batch.is_empty() {
            return Ok(placed);
        }
        place(db, &batch).await?;
        placed += batch.len();
    }
}

/// Marks every contractor for placing again (the postcode centres changed).
pub async fn unplace_all(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::PlacedRadiusKm, Expr::value(Option::<i32>::None))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn set_paused_until(db: &impl ConnectionTrait, id: Uuid, until: Option<DateTime<Utc>>) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::PausedUntil, Expr::value(until))
        .col_expr(contractor::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes the contractor's row lock before one of its child rows is written. The write's trigger
/// stamps the row (migration 17), so every writer locks the contractor before its children, the
/// one order that cannot deadlock against a transaction that changes the contractor first.
async fn lock_parent(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::UpdatedAt, Expr::col(contractor::Column::UpdatedAt))
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn replace_specialties(db: &impl ConnectionTrait, id: Uuid, types: &[DamageType]) -> Result<(), DbErr> {
    lock_parent(db, id).await?;
    cs::Entity::delete_many().filter(cs::Column::ContractorId.eq(id)).exec(db).await?;
    if types.is_empty() {
        return Ok(());
    }
    cs::Entity::insert_many(types.iter().map(|t| cs::ActiveModel { contractor_id: Set(id), damage_type: Set(*t) }))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn replace_service_postcodes(db: &impl ConnectionTrait, id: Uuid, postcodes: &[String]) -> Result<(), DbErr> {
    lock_parent(db, id).await?;
    csp::Entity::delete_many().filter(csp::Column::ContractorId.eq(id)).exec(db).await?;
    if postcodes.is_empty() {
        return Ok(());
    }
    csp::Entity::insert_many(
        postcodes.iter().map(|p| csp::ActiveModel { contractor_id: Set(id), postcode: Set(p.clone()) }),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Specialties of many contractors in one query (for the DataLoader).
pub async fn specialties_of(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<DamageType>>, DbErr> {
    let rows = cs::Entity::find()
        .filter(cs::Column::ContractorId.is_in(ids.iter().copied()))
        .order_by_asc(cs::Column::DamageType)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<DamageType>> = HashMap::new();
    for r in rows {
        map.entry(r.contractor_id).or_default().push(r.damage_type);
    }
    // The declaration order (WATER, FIRE, MOULD, STORM), not the alphabetical order of the column.
    map.values_mut().for_each(|v| v.sort());
    Ok(map)
}

/// Explicit service postcodes of many contractors in one query.
pub async fn service_postcodes_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
    let rows = csp::Entity::find()
        .filter(csp::Column::ContractorId.is_in(ids.iter().copied()))
        .order_by_asc(csp::Column::Postcode)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in rows {
        map.entry(r.contractor_id).or_default().push(r.postcode);
    }
    Ok(map)
}

/// Certifications of many contractors in one query.
pub async fn certifications_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<certification::Model>>, DbErr> {
    let rows = certification::Entity::find()
        .filter(certification::Column::ContractorId.is_in(ids.iter().copied()))
        .order_by_asc(certification::Column::Id)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<certification::Model>> = HashMap::new();
    for r in rows {
        map.entry(r.contractor_id).or_default().push(r);
    }
    Ok(map)
}

/// A certification to add.
pub struct NewCertification {
    pub contractor_id: Uuid,
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub expires_on: Option<NaiveDate>,
}

pub async fn insert_certification(
    db: &impl ConnectionTrait,
    new: NewCertification,
) -> Result<certification::Model, DbErr> {
    lock_parent(db, new.contractor_id).await?;
    certification::ActiveModel {
        id: Set(Uuid::now_v7()),
        contractor_id: Set(new.contractor_id),
        kind: Set(new.kind),
        number: Set(new.number),
        issuer: Set(new.issuer),
        expires_on: Set(new.expires_on),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

pub async fn find_certification(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<certification::Model>, DbErr> {
    certification::Entity::find_by_id(id).one(db).await
}

pub async fn delete_certification(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    if let Some(c) = find_certification(db, id).await? {
        lock_parent(db, c.contractor_id).await?;
    }
    certification::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Filters for the contractor list.
#[derive(Debug, Default, Clone)]
pub struct ContractorFilter {
    pub status: Option<ContractorStatus>,
    pub specialty: Option<DamageType>,
    pub postcode: Option<String>,
    pub search: Option<String>,
    /// Joined (signed up) at or after this instant.
    pub joined_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Joined before this instant.
    pub joined_before: Option<chrono::DateTime<chrono::Utc>>,
}

fn filtered(f: &ContractorFilter) -> Select<contractor::Entity> {
    let mut q = contractor::Entity::find();
    if let Some(s) = f.status {
        q = q.filter(contractor::Column::Status.eq(s));
    }
    if let Some(t) = f.specialty {
        q = q.filter(
            contractor::Column::Id.in_subquery(
                Query::select()
                    .column(cs::Column::ContractorId)
                    .from(cs::Entity)
                    .and_where(cs::Column::DamageType.eq(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(p) = &f.postcode {
        q = q.filter(
            Condition::any().add(contractor::Column::BasePostcode.eq(p.as_str())).add(
                contractor::Column::Id.in_subquery(
                    Query::select()
                        .column(csp::Column::ContractorId)
                        .from(csp::Entity)
                        .and_where(csp::Column::Postcode.eq(p.as_str()))
                        .to_owned(),
                ),
            ),
        );
    }
    if let Some(s) = &f.search {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let mut any = Condition::any()
            .add(super::contains_ci(contractor::Column::CompanyName, s))
            .add(super::contains_ci(contractor::Column::ContactName, s))
            .add(super::contains_ci(contractor::Column::Email, s));
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            any = any.add(contractor::Column::Abn.starts_with(digits.as_str()));
        }
        q = q.filter(any);
    }
    if let Some(t) = f.joined_from {
        q = q.filter(contractor::Column::CreatedAt.gte(t));
    }
    if let Some(t) = f.joined_before {
        q = q.filter(contractor::Column::CreatedAt.lt(t));
    }
    q
}

/// The orders a list of contractors comes in; each breaks ties newest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContractorOrder {
    #[default]
    Newest,
    /// Company name A to Z, any case.
    Name,
    /// The highest performance score first.
    Score,
    /// The most active jobs first.
    Load,
}

/// Where a page continues: after this contractor, at its place in the order (its name, score or
/// active jobs as the row held them).
#[derive(Clone, Debug, PartialEq)]
pub struct ContractorPosition {
    pub id: Uuid,
    pub key: PositionKey,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PositionKey {
    None,
    Name(String),
    Score(f64),
    Load(i32),
}

impl ContractorPosition {
    /// `c`'s place in `order`.
    pub fn of(c: &contractor::Model, order: ContractorOrder) -> Self {
        let key = match order {
            ContractorOrder::Newest => PositionKey::None,
            ContractorOrder::Name => PositionKey::Name(c.company_name.clone()),
            ContractorOrder::Score => PositionKey::Score(c.performance_score),
            ContractorOrder::Load => PositionKey::Load(c.active_jobs),
        };
        ContractorPosition { id: c.id, key }
    }
}

/// A page in `order`, continuing after `after`.
pub async fn page(
    db: &impl ConnectionTrait,
    f: &ContractorFilter,
    order: ContractorOrder,
    after: Option<&ContractorPosition>,
    limit: u64,
) -> Result<Vec<contractor::Model>, DbErr> {
    use contractor::Column as C;
    let mut q = filtered(f);
    let name = || Expr::expr(Func::lower(Expr::col(C::CompanyName)));
    // After the row at `key`: further on in the order, or level with it and older.
    let past =
        |further: Condition, level: Condition, id: Uuid| Condition::any().add(further).add(level.add(C::Id.lt(id)));
    if let Some(a) = after {
        q = match &a.key {
            PositionKey::None => q.filter(C::Id.lt(a.id)),
            PositionKey::Name(n) => {
                // Both sides lowered by the database, so the comparison is the order's own.
                let at = || Expr::expr(Func::lower(Expr::val(n.clone())));
                q.filter(past(Condition::all().add(name().gt(at())), Condition::all().add(name().eq(at())), a.id))
            }
            PositionKey::Score(v) => q.filter(past(
                Condition::all().add(C::PerformanceScore.lt(*v)),
                Condition::all().add(C::PerformanceScore.eq(*v)),
                a.id,
            )),
            PositionKey::Load(n) => q.filter(past(
                Condition::all().add(C::ActiveJobs.lt(*n)),
                Condition::all().add(C::ActiveJobs.eq(*n)),
                a.id,
            )),
        };
    }
    q = match order {
        ContractorOrder::Newest => q,
        ContractorOrder::Name => q.order_by(name(), sea_orm::Order::Asc),
        ContractorOrder::Score => q.order_by_desc(C::PerformanceScore),
        ContractorOrder::Load => q.order_by_desc(C::ActiveJobs),
    };
    q.order_by_desc(C::Id).limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &ContractorFilter) -> Result<u64, DbErr> {
    filtered(f).count(db).await
}

/// Every contractor (routing considers the whole network, to explain every exclusion).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<contractor::Model>, DbErr> {
    contractor::Entity::find().all(db).await
}

pub async fn all_specialties(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, Vec<DamageType>>, DbErr> {
    let mut map: HashMap<Uuid, Vec<DamageType>> = HashMap::new();
    for r in cs::Entity::find().all(db).await? {
        map.entry(r.contractor_id).or_default().push(r.damage_type);
    }
    map.values_mut().for_each(|v| v.sort());
    Ok(map)
}

pub async fn all_service_postcodes(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
    let mut map: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in csp::Entity::find().all(db).await? {
        map.entry(r.contractor_id).or_default().push(r.postcode);
    }
    map.values_mut().for_each(|v| v.sort());
    Ok(map)
}

/// For each contractor (of `of`, or all) holding a certification whose expiry date is before
/// `before`, the earliest such date (the caller decides on each contractor's own clock).
pub async fn earliest_expiries_before(
    db: &impl ConnectionTrait,
    before: Option<NaiveDate>,
    of: Option<&[Uuid]>,
) -> Result<HashMap<Uuid, NaiveDate>, DbErr> {
    let mut q = certification::Entity::find().filter(certification::Column::ExpiresOn.is_not_null());
    if let Some(before) = before {
        q = q.filter(certification::Column::ExpiresOn.lt(before));
    }
    let rows = match of {
        None => q.all(db).await?,
        Some(ids) => {
            let mut rows = Vec::new();
            for chunk in ids.chunks(10_000) {
                rows.extend(
                    q.clone().filter(certification::Column::ContractorId.is_in(chunk.iter().copied())).all(db).await?,
                );
            }
            rows
        }
    };
    let mut map: HashMap<Uuid, NaiveDate> = HashMap::new();
    for c in rows {
        if let Some(d) = c.expires_on {
            map.entry(c.contractor_id).and_modify(|e| *e = Ord::min(*e, d)).or_insert(d);
        }
    }
    Ok(map)
}

/// Counts a decided offer in one statement (no read-modify-write, so concurrent decisions for
/// the same contractor never lose an update): acceptance rate and average response time follow.
pub async fn record_offer_decision(
    db: &impl ConnectionTrait,
    id: Uuid,
    accepted: bool,
    response_secs: Option<i64>,
) -> Result<(), DbErr> {
    let a = i32::from(accepted);
    let mut q = contractor::Entity::update_many()
        .col_expr(contractor::Column::OffersDecided, Expr::col(contractor::Column::OffersDecided).add(1))
        .col_expr(contractor::Column::OffersAccepted, Expr::col(contractor::Column::OffersAccepted).add(a))
        .col_expr(
            contractor::Column::AcceptanceRate,
            Expr::cust(format!("(offers_accepted + {a}) * 1.0 / (offers_decided + 1)")),
        );
    if let Some(secs) = response_secs {
        let secs = Ord::max(secs, 0);
        q = q
            .col_expr(contractor::Column::Responses, Expr::col(contractor::Column::Responses).add(1))
            .col_expr(contractor::Column::ResponseSecsTotal, Expr::col(contractor::Column::ResponseSecsTotal).add(secs))
            .col_expr(
                contractor::Column::AvgResponseSecs,
                Expr::cust(format!("(response_secs_total + {secs}) / (responses + 1)")),
            );
    }
    q.filter(contractor::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// Takes one job slot if the contractor has one free: a conditional increment, so two accepts of
/// different leads at once cannot both pass the capacity check (on PostgreSQL the second waits
/// for the first's row lock and then re-reads the count). Returns whether a slot was taken.
pub async fn take_job_slot(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let res = contractor::Entity::update_many()
        .col_expr(contractor::Column::ActiveJobs, Expr::col(contractor::Column::ActiveJobs).add(1))
        .filter(contractor::Column::Id.eq(id))
        .filter(Expr::col(contractor::Column::ActiveJobs).lt(Expr::col(contractor::Column::MaxActiveJobs)))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Adds `delta` to a contractor's active job count.
pub async fn add_active_jobs(db: &impl ConnectionTrait, id: Uuid, delta: i32) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::ActiveJobs, Expr::col(contractor::Column::ActiveJobs).add(delta))
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Folds one customer rating (1–5) into the contractor's average, in one statement.
pub async fn record_rating(db: &impl ConnectionTrait, id: Uuid, score: i32) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(
            contractor::Column::AvgRating,
            Expr::cust(format!("(COALESCE(avg_rating, 0) * rating_count + {score}) * 1.0 / (rating_count + 1)")),
        )
        .col_expr(contractor::Column::RatingCount, Expr::col(contractor::Column::RatingCount).add(1))
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Swaps one rating already counted (`old`) for another (`new`): the count stays.
pub async fn replace_rating(db: &impl ConnectionTrait, id: Uuid, old: i32, new: i32) -> Result<(), DbErr> {
    contractor::Entity::update_many()
        .col_expr(
            contractor::Column::AvgRating,
            Expr::cust(format!(
                "CASE WHEN rating_count > 0 THEN (COALESCE(avg_rating, 0) * rating_count - {old} + {new}) * 1.0 / rating_count ELSE avg_rating END"
            )),
        )
        .filter(contractor::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a contractor's connected account, unless one is already recorded; returns the
/// account now on file.
pub async fn set_stripe_account(
    db: &impl ConnectionTrait,
    id: Uuid,
    account_id: &str,
) -> Result<Option<String>, DbErr> {
    contractor::Entity::update_many()
        .col_expr(contractor::Column::StripeAccountId, Expr::value(Some(account_id.to_string())))
        .col_expr(contractor::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(contractor::Column::Id.eq(id))
        .filter(contractor::Column::StripeAccountId.is_null())
        .exec(db)
        .await?;
    Ok(find(db, id).await?.and_then(|c| c.stripe_account_id))
}

pub async fn find_by_stripe_account(
    db: &impl ConnectionTrait,
    account_id: &str,
) -> Result<Option<contractor::Model>, DbErr> {
    contractor::Entity::find().filter(contractor::Column::StripeAccountId.eq(account_id)).one(db).await
}

/// The connected account's state as of `as_of` (the Stripe event's time); an older state than
/// the one on file changes nothing (`false`).
pub async fn apply_stripe_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    payouts_enabled: bool,
    details_submitted: bool,
    requirements: Option<String>,
    as_of: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DbErr> {
    let res = contractor::Entity::update_many()
        .col_expr(contractor::Column::StripePayoutsEnabled, Expr::value(payouts_enabled))
        .col_expr(contractor::Column::StripeDetailsSubmitted, Expr::value(details_submitted))
        .col_expr(contractor::Column::StripeRequirements, Expr::value(requirements))
        .col_expr(contractor::Column::StripeSyncedAt, Expr::value(Some(as_of)))
        .col_expr(contractor::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(contractor::Column::Id.eq(id))
        .filter(contractor::Column::StripeSyncedAt.is_null().or(contractor::Column::StripeSyncedAt.lte(as_of)))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Certifications with an expiry date before `before`, each with its company.
pub async fn certifications_expiring_before(
    db: &impl ConnectionTrait,
    before: NaiveDate,
) -> Result<Vec<(certification::Model, contractor::Model)>, DbErr> {
    let rows = certification::Entity::find().filter(certification::Column::ExpiresOn.lt(before)).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.contractor_id).collect();
    let companies = find_many(db, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| companies.iter().find(|x| x.id == c.contractor_id).cloned().map(|co| (c, co)))
        .collect())
}

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::{ContractorStatus, DamageType, Role, certification, contractor};
use sea_orm::{IntoActiveModel, Set, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::{Abn, AtField, Email, Password, Phone, Postcode};
use crate::error::{ServiceError, ServiceResult};
use crate::store::contractors::{ContractorFilter, ContractorOrder, ContractorPosition, NewContractor, PositionKey};
use crate::store::{self, users::NewUser};

/// The longest a contractor may pause itself for.
pub const MAX_PAUSE_DAYS: i64 = 365;

/// A parsed self-registration.
pub struct Registration {
    pub company_name: String,
    pub abn: Abn,
    pub contact_name: String,
    pub email: Email,
    pub phone: Phone,
    pub password: Password,
    pub base_postcode: Postcode,
    pub service_radius_km: i32,
    pub service_postcodes: Vec<Postcode>,
    pub specialties: Vec<DamageType>,
    pub max_active_jobs: i32,
}

/// Creates the company in `PENDING` and its first user, in one transaction, and emails a link
/// that proves the address. An address that already has a login gets nothing new: its owner is
/// told someone tried, and the caller's answer is the same as for a new address (`None` here),
/// so sign-up tells no stranger who is registered.
#[tracing::instrument(skip_all)]
pub async fn register(
    ctx: &AppContext,
    meta: &RequestMeta,
    r: Registration,
) -> ServiceResult<Option<contractor::Model>> {
    if r.specialties.is_empty() {
        return Err(ServiceError::validation("input.specialties", "choose at least one specialty"));
    }
    if r.max_active_jobs > ctx.config.contractor_max_active_jobs {
        return Err(too_many_jobs(ctx));
    }
    // Anonymous sign-ups are bounded per client address (each one costs a password hash).
    if crate::access::signs_up_throttled(&meta.principal) {
        let key = format!("register:ip:{}", crate::access::limits::address_of(meta));
        let cfg = &ctx.config;
        crate::access::limits::throttle(ctx, &key, cfg.register_limit_per_address, cfg.register_limit_window).await?;
    }
    // Hash first, outside any transaction: it is slow by design and must not hold a connection
    // (or, on SQLite, the one writer) while it runs.
    let password_hash = ctx.passwords.hash(r.password.expose().to_string()).await?;
    let txn = ctx.db.begin().await?;
    // A taken ABN or email gets the answer a new sign-up gets (else a second sign-up with the
    // same ABN would tell whether the first made a company, and so whether its email was new);
    // the address is told by email instead.
    let existing = store::users::find_by_email(&txn, r.email.as_str()).await?;
    if existing.is_none() && store::contractors::abn_taken(&txn, r.abn.as_str(), None).await? {
        super::accounts::queue_abn_taken(ctx, &txn, r.email.as_str(), r.abn.as_str()).await?;
        let meta = RequestMeta { principal: crate::auth::Principal::System, ..meta.clone() };
        super::audit::record(
            &txn,
            &meta,
            "contractor.registration_for_taken_abn",
            "contractor",
            None,
            json!({ "abn": r.abn.as_str() }),
        )
        .await?;
        txn.commit().await?;
        ctx.notifications_queued.notify_one();
        return Ok(None);
    }
    if let Some(existing) = existing {
        super::accounts::queue_signup_attempt(ctx, &txn, &existing).await?;
        let meta = RequestMeta { principal: crate::auth::Principal::System, ..meta.clone() };
        super::audit::record(
            &txn,
            &meta,
            "contractor.registration_for_existing_email",
            "user",
            Some(existing.id),
            json!({}),
        )
        .await?;
        txn.commit().await?;
        ctx.notifications_queued.notify_one();
        return Ok(None);
    }
    let c = store::contractors::insert(
        &txn,
        NewContractor {
            company_name: r.company_name,
            abn: r.abn.as_str().to_string(),
            contact_name: r.contact_name,
            email: r.email.as_str().to_string(),
            phone: r.phone.into_inner(),
            base_postcode: r.base_postcode.into_inner(),
            service_radius_km: r.service_radius_km,
            max_active_jobs: r.max_active_jobs,
            daily_lead_cap: None,
            status: ContractorStatus::Pending,
        },
    )
    .await?;
    let specialties = dedup(r.specialties);
    store::contractors::replace_specialties(&txn, c.id, &specialties).await?;
    let postcodes = dedup(r.service_postcodes.into_iter().map(Postcode::into_inner).collect());
    store::contractors::replace_service_postcodes(&txn, c.id, &postcodes).await?;
    let user = store::users::insert(
        &txn,
        NewUser {
            email: r.email.into_inner(),
            password_hash,
            role: Role::Contractor,
            contractor_id: Some(c.id),
            partner_id: None,
            company_role: entities::CompanyRole::Owner,
            invite_pending: false,
        },
    )
    .await?;
    let meta = RequestMeta { principal: super::auth::principal_of(&user), ..meta.clone() };
    super::audit::record(
        &txn,
        &meta,
        "contractor.registered",
        "contractor",
        Some(c.id),
        json!({ "companyName": c.company_name, "abn": c.abn, "email": c.email, "specialties": specialties,
                "basePostcode": c.base_postcode, "serviceRadiusKm": c.service_radius_km }),
    )
    .await?;
    super::accounts::queue_verification(ctx, &txn, &user).await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(Some(c))
}

/// Capacity feeds the availability term of routing, so a company cannot declare itself more
/// than the configured ceiling; NRP raises it for companies that can carry more.
fn too_many_jobs(ctx: &AppContext) -> ServiceError {
    ServiceError::validation(
        "input.maxActiveJobs",
        format!(
            "at most {} active jobs can be set here; ask NRP to raise your capacity beyond that",
            ctx.config.contractor_max_active_jobs
        ),
    )
}

/// Admin: `PENDING → ACTIVE`.
#[tracing::instrument(skip_all, fields(contractor_id = %id))]
pub async fn verify(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<contractor::Model> {
    meta.principal.require_admin()?;
    // The login that signed the company up must have proven its email first (where this server
    // sends email at all: without SMTP_URL no address can be proven, and NRP checks by itself).
    if ctx.channels.has(entities::NotificationChannel::Email)
        && let Some(owner) = store::users::for_contractor(&ctx.db, id).await?.into_iter().min_by_key(|u| u.created_at)
        && !super::notifications::settings::email_proven(&ctx.db, owner.id).await?
    {
        return Err(ServiceError::conflict(format!(
            "{} has not confirmed its email yet; it can ask for a new link after signing in",
            owner.email
        )));
    }
    change_status(ctx, meta, id, &[ContractorStatus::Pending], ContractorStatus::Active, None, "contractor.verified")
        .await
}

/// Admin: `PENDING | ACTIVE → SUSPENDED`, with an optional reason the contractor can read.
#[tracing::instrument(skip_all, fields(contractor_id = %id))]
pub async fn suspend(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    reason: Option<String>,
) -> ServiceResult<contractor::Model> {
    let from = [ContractorStatus::Active, ContractorStatus::Pending];
    let suspended =
        change_status(ctx, meta, id, &from, ContractorStatus::Suspended, reason, "contractor.suspended").await?;
    // A suspended contractor can no longer accept: its open offers go to the next candidates now
    // rather than waiting out their expiry.
    // Its users' live sockets close on every instance (first: nothing below may skip it).
    ctx.bus
        .publish(vec![crate::events::Event::Revoked(crate::events::Revocation::Contractor { contractor_id: id })])
        .await;
    super::offers::withdraw_open_for_contractor(ctx, meta, id).await?;
    Ok(suspended)
}

/// Admin: `SUSPENDED → ACTIVE`.
#[tracing::instrument(skip_all, fields(contractor_id = %id))]
pub async fn reinstate(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<contractor::Model> {
    change_status(
        ctx,
        meta,
        id,
        &[ContractorStatus::Suspended],
        ContractorStatus::Active,
        None,
        "contractor.reinstated",
    )
    .await
}

async fn change_status(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    from: &[ContractorStatus],
    to: ContractorStatus,
    reason: Option<String>,
    action: &str,
) -> ServiceResult<contractor::Model> {
    meta.principal.require_admin()?;
    let txn = ctx.db.begin().await?;
    let current = load(&txn, id).await?;
    if !from.contains(&current.status) || !current.status.can_transition_to(to) {
        return Err(ServiceError::conflict(format!(
            "contractor is {}; from {} it can move to: {}",
            status_name(current.status),
            status_name(current.status),
            names(current.status.allowed_next())
        )));
    }
    if !store::contractors::transition_status(&txn, id, current.status, to, reason.clone()).await? {
        return Err(ServiceError::conflict("contractor changed status at the same time; reload and retry"));
    }
    super::audit::record(
        &txn,
        meta,
        action,
        "contractor",
        Some(id),
        json!({ "status": { "from": current.status, "to": to }, "reason": reason }),
    )
    .await?;
    let updated = load(&txn, id).await?;
    txn.commit().await?;
    Ok(updated)
}

fn status_name(s: ContractorStatus) -> &'static str {
    match s {
        ContractorStatus::Pending => "PENDING",
        ContractorStatus::Active => "ACTIVE",
        ContractorStatus::Suspended => "SUSPENDED",
    }
}

fn names(list: Vec<ContractorStatus>) -> String {
    if list.is_empty() {
        return "nothing".into();
    }
    list.into_iter().map(status_name).collect::<Vec<_>>().join(", ")
}

/// A parsed profile update. `None` leaves a field as it is; for nullable fields `Some(None)` clears it.
#[derive(Default)]
pub struct ProfileUpdate {
    pub company_name: Option<String>,
    pub abn: Option<Abn>,
    pub contact_name: Option<String>,
    pub phone: Option<Phone>,
    pub base_postcode: Option<Postcode>,
    pub service_radius_km: Option<i32>,
    pub service_postcodes: Option<Vec<Postcode>>,
    pub specialties: Option<Vec<DamageType>>,
    pub max_active_jobs: Option<i32>,
    pub daily_lead_cap: Option<Option<i32>>,
    pub commission_bps: Option<Option<i32>>,
}

/// Updates a company's profile and service area. Contractors edit their own; company name, ABN
/// and commission are admin-only.
#[tracing::instrument(skip_all, fields(contractor_id = %id))]
pub async fn update_profile(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    u: ProfileUpdate,
) -> ServiceResult<contractor::Model> {
    meta.principal.require_company_owner(id)?;
    if !crate::access::may_set_terms(&meta.principal) {
        for (set, field) in [
            (u.company_name.is_some(), "input.companyName"),
            (u.abn.is_some(), "input.abn"),
            (u.commission_bps.is_some(), "input.commissionBps"),
        ] {
            if set {
                return Err(ServiceError::Forbidden(format!("only an NRP admin may change {field}")));
            }
        }
    }
    if u.specialties.as_ref().is_some_and(Vec::is_empty) {
        return Err(ServiceError::validation("input.specialties", "choose at least one specialty"));
    }
    if !crate::access::may_set_terms(&meta.principal)
        && u.max_active_jobs.is_some_and(|n| n > ctx.config.contractor_max_active_jobs)
    {
        return Err(too_many_jobs(ctx));
    }
    let txn = ctx.db.begin().await?;
    let current = load(&txn, id).await?;
    if let Some(abn) = &u.abn
        && store::contractors::abn_taken(&txn, abn.as_str(), Some(id)).await?
    {
        return Err(ServiceError::conflict_on("input.abn", "a contractor with this ABN is already registered"));
    }
    let mut changes: Vec<(&str, Value, Value)> = Vec::new();
    let mut am = current.clone().into_active_model();
    macro_rules! apply {
        ($field:ident, $name:literal, $value:expr) => {{
            let value = $value;
            changes.push(($name, json!(current.$field), json!(value)));
            am.$field = Set(value);
        }};
    }
    if let Some(v) = u.company_name {
        apply!(company_name, "companyName", v);
    }
    if let Some(v) = u.abn {
        apply!(abn, "abn", v.as_str().to_string());
    }
    if let Some(v) = u.contact_name {
        apply!(contact_name, "contactName", v);
    }
    if let Some(v) = u.phone {
        apply!(phone, "phone", v.into_inner());
    }
    if let Some(v) = u.base_postcode {
        apply!(base_postcode, "basePostcode", v.into_inner());
    }
    if let Some(v) = u.service_radius_km {
        apply!(service_radius_km, "serviceRadiusKm", v);
    }
    if let Some(v) = u.max_active_jobs {
        apply!(max_active_jobs, "maxActiveJobs", v);
    }
    if let Some(v) = u.daily_lead_cap {
        apply!(daily_lead_cap, "dailyLeadCap", v);
    }
    if let Some(v) = u.commission_bps {
        apply!(commission_bps, "commissionBps", v);
    }
    let ids = [id];
    if let Some(list) = u.specialties {
        let before = store::contractors::specialties_of(&txn, &ids).await?.remove(&id).unwrap_or_default();
        let after = dedup(list);
        store::contractors::replace_specialties(&txn, id, &after).await?;
        changes.push(("specialties", json!(before), json!(after)));
    }
    if let Some(list) = u.service_postcodes {
        let before = store::contractors::service_postcodes_of(&txn, &ids).await?.remove(&id).unwrap_or_default();
        let after = dedup(list.into_iter().map(Postcode::into_inner).collect());
        store::contractors::replace_service_postcodes(&txn, id, &after).await?;
        changes.push(("servicePostcodes", json!(before), json!(after)));
    }
    let updated = store::contractors::save(&txn, am).await?;
    super::audit::record(&txn, meta, "contractor.updated", "contractor", Some(id), super::audit::diff(changes)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Stops offers until `until`; they resume by themselves once it passes.
#[tracing::instrument(skip_all, fields(contractor_id = %id))]
pub async fn pause(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    until: DateTime<Utc>,
) -> ServiceResult<contractor::Model> {
    meta.principal.require_company_owner(id)?;
    let now = Utc::now();
    if until <= now {
        return Err(ServiceError::validation("until", "the pause must end in the future"));
    }
    if until > now + Duration::days(MAX_PAUSE_DAYS) {
        return Err(ServiceError::validation("until", format!("a pause may last at most {MAX_PAUSE_DAYS} days")));
    }
    set_pause(ctx, meta, id, Some(until), "contractor.paused").await
}

/// Ends a pause now.
#[tracing::instrument(skip_all, fields(contractor_id = %id))]
pub async fn resume(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<contractor::Model> {
    meta.principal.require_company_owner(id)?;
    set_pause(ctx, meta, id, None, "contractor.resumed").await
}

async fn set_pause(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    until: Option<DateTime<Utc>>,
    action: &str,
) -> ServiceResult<contractor::Model> {
    let txn = ctx.db.begin().await?;
    let current = load(&txn, id).await?;
    store::contractors::set_paused_until(&txn, id, until).await?;
    super::audit::record(
        &txn,
        meta,
        action,
        "contractor",
        Some(id),
        json!({ "pausedUntil": { "from": current.paused_until, "to": until } }),
    )
    .await?;
    let updated = load(&txn, id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A parsed certification.
pub struct NewCertification {
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub expires_on: Option<NaiveDate>,
}

#[tracing::instrument(skip_all, fields(contractor_id = %contractor_id))]
pub async fn add_certification(
    ctx: &AppContext,
    meta: &RequestMeta,
    contractor_id: Uuid,
    c: NewCertification,
) -> ServiceResult<certification::Model> {
    meta.principal.require_company_owner(contractor_id)?;
    let txn = ctx.db.begin().await?;
    load(&txn, contractor_id).await?;
    let cert = store::contractors::insert_certification(
        &txn,
        store::contractors::NewCertification {
            contractor_id,
            kind: c.kind,
            number: c.number,
            issuer: c.issuer,
            expires_on: c.expires_on,
        },
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "contractor.certification_added",
        "contractor",
        Some(contractor_id),
        json!({ "certificationId": cert.id, "kind": cert.kind, "number": cert.number, "expiresOn": cert.expires_on }),
    )
    .await?;
    txn.commit().await?;
    Ok(cert)
}

#[tracing::instrument(skip_all, fields(certification_id = %id))]
pub async fn remove_certification(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<Uuid> {
    meta.principal.require_authenticated()?;
    let txn = ctx.db.begin().await?;
    let cert = store::contractors::find_certification(&txn, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("certification"))?;
    meta.principal.require_company_owner(cert.contractor_id)?;
    store::contractors::delete_certification(&txn, id).await?;
    super::audit::record(
        &txn,
        meta,
        "contractor.certification_removed",
        "contractor",
        Some(cert.contractor_id),
        json!({ "certificationId": id, "kind": cert.kind, "number": cert.number }),
    )
    .await?;
    txn.commit().await?;
    Ok(cert.contractor_id)
}

/// One contractor, for an admin or its own users.
pub async fn get(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<contractor::Model> {
    meta.principal.require_contractor_access(id)?;
    load(&ctx.db, id).await
}

/// A page of contractors (admins only) in `order`, with the total matching the filter.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    filter: &ContractorFilter,
    order: ContractorOrder,
    after: Option<&ContractorPosition>,
    limit: u64,
) -> ServiceResult<(Vec<contractor::Model>, u64)> {
    meta.principal.require_admin()?;
    let rows = store::contractors::page(&ctx.db, filter, order, after, limit).await?;
    let total = store::contractors::count(&ctx.db, filter).await?;
    Ok((rows, total))
}

/// The cursor after `c` in `order`: its id, then its place in the order (nothing for newest,
/// which keeps the plain id cursor).
pub fn encode_position(c: &contractor::Model, order: ContractorOrder) -> String {
    use base64::Engine;
    let mut bytes = c.id.as_bytes().to_vec();
    match ContractorPosition::of(c, order).key {
        PositionKey::None => {}
        PositionKey::Name(n) => bytes.extend_from_slice(n.as_bytes()),
        PositionKey::Score(v) => bytes.extend_from_slice(&v.to_bits().to_be_bytes()),
        PositionKey::Load(n) => bytes.extend_from_slice(&n.to_be_bytes()),
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The position an `after` cursor of `order` names; anything else is `BAD_USER_INPUT` on
/// `after` (a cursor of another order included).
pub fn decode_position(cursor: Option<&str>, order: ContractorOrder) -> ServiceResult<Option<ContractorPosition>> {
    use base64::Engine;
    let Some(c) = cursor else { return Ok(None) };
    let bad = || ServiceError::validation("after", "not a valid cursor for this sort");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    if bytes.len() < 16 {
        return Err(bad());
    }
    let (id, rest) = bytes.split_at(16);
    let id = Uuid::from_slice(id).map_err(|_| bad())?;
    let key = match order {
        ContractorOrder::Newest if rest.is_empty() => PositionKey::None,
        ContractorOrder::Name if !rest.is_empty() => {
            PositionKey::Name(String::from_utf8(rest.to_vec()).map_err(|_| bad())?)
        }
        ContractorOrder::Score => {
            let v = f64::from_bits(u64::from_be_bytes(rest.try_into().map_err(|_| bad())?));
            PositionKey::Score(Some(v).filter(|v| v.is_finite()).ok_or_else(bad)?)
        }
        ContractorOrder::Load => PositionKey::Load(i32::from_be_bytes(rest.try_into().map_err(|_| bad())?)),
        _ => return Err(bad()),
    };
    Ok(Some(ContractorPosition { id, key }))
}

/// A contractor filter as the store takes it, from what a list (or its CSV) was given: the
/// postcode checked (`filter.postcode`), an empty search ignored.
/// The days it joined on (`joined`: first and last day on NRP's clock, the last inclusive; a
/// range that ends before it starts is refused on `to_field`).
pub fn filter(
    status: Option<ContractorStatus>,
    specialty: Option<DamageType>,
    postcode: Option<&str>,
    search: Option<&str>,
    joined: (chrono_tz::Tz, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>, &str),
) -> ServiceResult<ContractorFilter> {
    let postcode = postcode.map(|p| Postcode::parse(p).at("filter.postcode").map(Postcode::into_inner)).transpose()?;
    let search = search.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let (zone, from, to, to_field) = joined;
    let (joined_from, joined_before) = crate::domain::zones::day_range(zone, from, to, to_field)?;
    Ok(ContractorFilter { status, specialty, postcode, search, joined_from, joined_before })
}

/// The contractors a list shows (same filter and order), as CSV: at most
/// [`super::csv_out::MAX_ROWS`]; more is `BAD_USER_INPUT` asking for a narrower filter.
/// Admins only.
pub async fn list_csv(
    ctx: &AppContext,
    meta: &RequestMeta,
    filter: &ContractorFilter,
    order: ContractorOrder,
) -> ServiceResult<String> {
    let (rows, total) = list(ctx, meta, filter, order, None, super::csv_out::MAX_ROWS).await?;
    super::csv_out::fits(total, "contractors", "status, trade, postcode")?;
    let trades = store::contractors::specialties_of(&ctx.db, &rows.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
    use super::leads::wire_name as wire;
    let num = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "contractor_id",
        "company",
        "abn",
        "contact",
        "email",
        "phone",
        "base_postcode",
        "status",
        "status_reason",
        "trades",
        "active_jobs",
        "max_active_jobs",
        "service_radius_km",
        "daily_lead_cap",
        "commission_bps",
        "performance_score",
        "joined_at",
        "verified_at",
    ])?;
    for c in &rows {
        let trades: Vec<String> = trades.get(&c.id).into_iter().flatten().map(wire).collect();
        w.row([
            c.id.to_string(),
            c.company_name.clone(),
            c.abn.clone(),
            c.contact_name.clone(),
            c.email.clone(),
            crate::domain::phone_national(&c.phone),
            c.base_postcode.clone(),
            wire(&c.status),
            c.status_reason.clone().unwrap_or_default(),
            trades.join(" "),
            c.active_jobs.to_string(),
            c.max_active_jobs.to_string(),
            c.service_radius_km.to_string(),
            num(c.daily_lead_cap),
            num(c.commission_bps),
            format!("{:.3}", c.performance_score),
            c.created_at.to_rfc3339(),
            c.verified_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// True while a pause is in force.
pub fn is_paused(c: &contractor::Model, now: DateTime<Utc>) -> bool {
    c.paused_until.is_some_and(|u| u > now)
}

/// The contractor, or `NOT_FOUND`.
async fn load(db: &impl sea_orm::ConnectionTrait, id: Uuid) -> ServiceResult<contractor::Model> {
    store::contractors::find(db, id).await?.ok_or_else(|| ServiceError::not_found("contractor"))
}

fn dedup<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

//! Lead intake (with the duplicate rules of DOMAIN.md) and reading leads.

use chrono::{Duration, Utc};
use entities::{DamageType, LeadSource, LeadStatus, PartnerKind, Urgency, lead};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::access::Scope;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::{Email, Phone, Postcode};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, LeadUpdate};
use crate::store::{self, leads::LeadFilter, leads::LeadOrder, leads::LeadPosition, leads::NewLead};

/// Leads for the same customer phone, postcode and damage within this window are duplicates.
pub const DUPLICATE_WINDOW_HOURS: i64 = 72;

/// A parsed lead.
pub struct LeadInput {
    pub customer_name: String,
    pub customer_phone: Phone,
    pub customer_email: Option<Email>,
    pub address: String,
    pub suburb: String,
    pub state: String,
    pub postcode: Postcode,
    pub coordinates: Option<(f64, f64)>,
    pub damage_type: DamageType,
    pub urgency: Urgency,
    pub estimated_value_cents: Option<i64>,
    pub claim_number: Option<String>,
    /// The insurer partner, when the caller is not the insurer itself.
    pub insurer_id: Option<Uuid>,
    pub description: String,
}

/// Records a lead from a partner or an admin and starts routing it as soon as it is committed.
#[tracing::instrument(skip_all)]
pub async fn create(ctx: &AppContext, meta: &RequestMeta, input: LeadInput) -> ServiceResult<lead::Model> {
    let (source, source_partner_id) = match crate::access::scope(&meta.principal)? {
        Scope::Everything => (LeadSource::Admin, None),
        Scope::Partner(pid) => (LeadSource::Partner, Some(pid)),
        Scope::Contractor(_) => {
            return Err(ServiceError::Forbidden("only partners and NRP admins create leads".into()));
        }
    };

    let txn = ctx.db.begin().await?;
    let caller_partner = match source_partner_id {
        Some(pid) => Some(store::partners::find(&txn, pid).await?.ok_or_else(|| ServiceError::not_found("partner"))?),
        None => None,
    };
    let insurer_id = match (&caller_partner, input.insurer_id) {
        (Some(p), given) if p.kind == PartnerKind::Insurer => {
            if given.is_some_and(|g| g != p.id) {
                return Err(ServiceError::validation("input.insurer", "an insurer can only send in its own claims"));
            }
            Some(p.id)
        }
        (Some(_), Some(_)) if !crate::access::may_link_any_insurer(&meta.principal) => {
            return Err(ServiceError::validation(
                "input.insurer",
                "only NRP links a lead to an insurer; an insurer sends in its own claims",
            ));
        }
        (_, Some(given)) => match store::partners::find(&txn, given).await? {
            Some(p) if p.kind == PartnerKind::Insurer => Some(p.id),
            Some(_) => return Err(ServiceError::validation("input.insurer", "this partner is not an insurer")),
            None => return Err(ServiceError::validation("input.insurer", "no such insurer")),
        },
        (_, None) => None,
    };
    if input.claim_number.is_some() && insurer_id.is_none() {
        return Err(ServiceError::validation("input.claimNumber", "a claim number needs an insurer"));
    }
    if let (Some(ins), Some(claim)) = (insurer_id, &input.claim_number)
        && store::leads::claim_taken(&txn, ins, claim).await?
    {
        return Err(ServiceError::conflict_on(
            "input.claimNumber",
            "this insurer already sent in a lead with this claim number",
        ));
    }

    let now = Utc::now();
    let phone = input.customer_phone.into_inner();
    let postcode = input.postcode.into_inner();
    // Two identical leads at the same instant must not both pass the rule: creation takes a
    // lock on the customer's (phone, postcode, damage) for the rest of the transaction.
    store::leads::lock_customer(&txn, &phone, &postcode, input.damage_type).await?;
    let original = store::leads::find_original(
        &txn,
        &phone,
        &postcode,
        input.damage_type,
        now - Duration::hours(DUPLICATE_WINDOW_HOURS),
        crate::access::duplicate_scope(&meta.principal).or(insurer_id),
    )
    .await?;
    let status = if original.is_some() { LeadStatus::Duplicate } else { LeadStatus::New };
    let inserted = store::leads::insert(
        &txn,
        NewLead {
            status,
            customer_name: input.customer_name,
            customer_phone: phone,
            customer_email: input.customer_email.map(Email::into_inner),
            address: input.address,
            suburb: input.suburb,
            state: input.state,
            postcode,
            latitude: input.coordinates.map(|c| c.0),
            longitude: input.coordinates.map(|c| c.1),
            damage_type: input.damage_type,
            urgency: input.urgency,
            estimated_value_cents: input.estimated_value_cents,
            insurer_id,
            claim_number: input.claim_number,
            source,
            source_partner_id,
            description: input.description,
            duplicate_of: original.as_ref().map(|o| o.id),
        },
    )
    .await
    .map_err(|e| match ServiceError::from(e) {
        ServiceError::Conflict { .. } => {
            ServiceError::conflict_on("input.claimNumber", "this insurer already sent in a lead with this claim number")
        }
        other => other,
    })?;
    super::audit::record(
        &txn,
        meta,
        "lead.created",
        "lead",
        Some(inserted.id),
        json!({ "status": inserted.status, "source": inserted.source, "damageType": inserted.damage_type,
                "urgency": inserted.urgency, "postcode": inserted.postcode, "claimNumber": inserted.claim_number,
                "duplicateOf": inserted.duplicate_of }),
    )
    .await?;
    let created = vec![Event::Lead(LeadUpdate::of(&inserted, None))];
    super::commit(ctx, txn, created).await?;

    if inserted.status == LeadStatus::Duplicate {
        return Ok(inserted);
    }
    // The lead is safe in the database; routing it is a separate step that a sweeper retries
    // if this instance dies in between.
    match super::offers::route_new(ctx, inserted.id).await {
        Ok(Some(routed)) => Ok(routed),
        Ok(None) => Ok(inserted),
        Err(e) => {
            tracing::error!(lead_id = %inserted.id, error = ?e, "routing a new lead failed; the sweeper will retry");
            Ok(inserted)
        }
    }
}

pub async fn get(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<lead::Model> {
    meta.principal.require_authenticated()?;
    let l = store::leads::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("lead"))?;
    if !crate::access::records::may_read_lead(&meta.principal, &l) {
        // Not FORBIDDEN: whether a lead exists is itself not the caller's business.
        return Err(ServiceError::not_found("lead"));
    }
    Ok(l)
}

/// Admins see every lead; partners their own; contractors the ones assigned to them.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: LeadFilter,
    order: LeadOrder,
    after: Option<LeadPosition>,
    limit: u64,
) -> ServiceResult<(Vec<lead::Model>, u64)> {
    match crate::access::scope(&meta.principal)? {
        Scope::Everything => {}
        Scope::Partner(pid) => filter.partner_id = Some(pid),
        Scope::Contractor(cid) => filter.assigned_contractor_id = Some(cid),
    }
    let rows = store::leads::page(&ctx.db, &filter, order, after, limit).await?;
    let total = store::leads::count(&ctx.db, &filter).await?;
    Ok((rows, total))
}

/// A lead filter as the store takes it: the postcode checked, the days as instants on NRP's
/// clock (`to` inclusive), a range that ends before it starts refused. Shared with the CSV export.
pub fn filter(
    zone: chrono_tz::Tz,
    status: Option<entities::LeadStatus>,
    damage_type: Option<entities::DamageType>,
    postcode: Option<&str>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<LeadFilter, ServiceError> {
    use crate::domain::AtField;
    let postcode = match postcode {
        Some(p) => Some(Postcode::parse(p).at("filter.postcode").map_err(ServiceError::from)?.into_inner()),
        None => None,
    };
    let (received_from, received_to) = crate::domain::zones::day_range(zone, from, to, "filter.receivedTo")?;
    Ok(LeadFilter { status, damage_type, postcode, received_from, received_to, ..Default::default() })
}

/// An enum's wire name (`ASSIGNED`).
pub(crate) fn wire_name(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The leads a list shows (same filter, order and scope), as CSV: at most [`super::csv_out::MAX_ROWS`];
/// more is `BAD_USER_INPUT` asking for a narrower filter.
pub async fn list_csv(
    ctx: &AppContext,
    meta: &RequestMeta,
    filter: LeadFilter,
    order: LeadOrder,
) -> ServiceResult<String> {
    let (rows, total) = list(ctx, meta, filter, order, None, super::csv_out::MAX_ROWS).await?;
    super::csv_out::fits(total, "leads", "dates, status")?;
    let insurers: std::collections::HashMap<Uuid, String> =
        store::partners::find_many(&ctx.db, &rows.iter().filter_map(|l| l.insurer_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "lead_id",
        "received_at",
        "status",
        "damage",
        "urgency",
        "customer",
        "phone",
        "email",
        "address",
        "suburb",
        "state",
        "postcode",
        "estimated_value_aud",
        "insurer",
        "claim_number",
    ])?;
    for l in &rows {
        w.row([
            l.id.to_string(),
            l.created_at.to_rfc3339(),
            wire_name(&l.status),
            wire_name(&l.damage_type),
            wire_name(&l.urgency),
            l.customer_name.clone(),
            crate::domain::phone_national(&l.customer_phone),
            l.customer_email.clone().unwrap_or_default(),
            l.address.clone(),
            l.suburb.clone(),
            l.state.clone(),
            l.postcode.clone(),
            l.estimated_value_cents.map(super::payouts::dollars).unwrap_or_default(),
            l.insurer_id.and_then(|i| insurers.get(&i).cloned()).unwrap_or_default(),
            l.claim_number.clone().unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// A list cursor: the lead's value (-1 for none) and id, so any order can continue from it.
pub fn encode_position(l: &lead::Model) -> String {
    super::cursor::encode(l.estimated_value_cents.unwrap_or(-1), l.id)
}

pub fn decode_position(cursor: Option<&str>) -> ServiceResult<Option<LeadPosition>> {
    Ok(super::cursor::decode(cursor)?.map(|(value, id)| LeadPosition { id, value }))
}

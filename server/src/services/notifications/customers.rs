//! The property owner hears from NRP at each step: who will call and by when once a company has
//! the job, when it has been in touch or booked the inspection, when work starts, and when it is
//! finished (with a link to rate it). By SMS, and by email when the lead has an address. Every
//! message carries an opt-out link; an address that opted out gets nothing more (Spam Act).

use chrono::Utc;
use entities::{JobStatus, LeadStatus, NotificationAudience, NotificationChannel, job, lead, notification, opt_out};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::Outgoing;
use super::templates::{self, Company, Rendered};
use crate::auth::RequestMeta;
use crate::auth::links::{self, Purpose};
use crate::context::AppContext;
use crate::domain::zones::zone_of;
use crate::error::{ServiceError, ServiceResult};
use crate::events::Event;
use crate::store;

/// The customer's link to stop messages on the channel this notification used.
pub fn stop_link(ctx: &AppContext, notification_id: Uuid) -> String {
    let far = Utc::now() + chrono::Duration::days(365 * 5);
    let token = links::sign(ctx.jwt.link_key(), Purpose::OptOut, notification_id, far);
    format!("{}/stop/{token}", ctx.config.public_base_url)
}

/// The customer's link to rate a completed job.
pub fn rate_link(ctx: &AppContext, job_id: Uuid) -> String {
    let until =
        Utc::now() + chrono::Duration::from_std(ctx.config.rating_link_ttl).unwrap_or(chrono::Duration::days(30));
    let token = links::sign(ctx.jwt.link_key(), Purpose::Rate, job_id, until);
    format!("{}/rate/{token}", ctx.config.public_base_url)
}

/// One message per channel the customer can be reached on, each with its own opt-out link.
fn to_customer(
    ctx: &AppContext,
    l: &lead::Model,
    j: &job::Model,
    template: &'static str,
    key: &str,
    render: impl Fn(&str) -> Option<Rendered>,
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    let reach = [
        (NotificationChannel::Sms, Some(l.customer_phone.clone())),
        (NotificationChannel::Email, l.customer_email.clone()),
    ];
    for (channel, destination) in reach {
        let Some(destination) = destination.filter(|d| !d.trim().is_empty()) else { continue };
        let id = Uuid::now_v7();
        let stop = stop_link(ctx, id);
        let Some(message) = render(&stop) else { continue };
        let mut o = Outgoing::new(channel, template, NotificationAudience::Customer, destination, message);
        o.id = id;
        o.lead_id = Some(l.id);
        o.job_id = Some(j.id);
        o.data = Some(json!({ "unsubscribe": stop }));
        o.dedupe_key = Some(format!("{key}:{}", channel_name(channel)));
        out.push(o);
    }
    out
}

fn channel_name(c: NotificationChannel) -> &'static str {
    match c {
        NotificationChannel::Push => "push",
        NotificationChannel::Sms => "sms",
        NotificationChannel::Email => "email",
    }
}

/// The customer messages these events call for.
pub async fn for_events(ctx: &AppContext, db: &impl ConnectionTrait, events: &[Event]) -> ServiceResult<Vec<Outgoing>> {
    let mut items = Vec::new();
    for e in events {
        match e {
            Event::Lead(u) if u.status == LeadStatus::Assigned && u.previous != Some(LeadStatus::Assigned) => {
                let Some(l) = store::leads::find(db, u.lead_id).await? else { continue };
                let Some(j) = store::jobs::find_by_lead(db, l.id).await? else { continue };
                let Some(c) = store::contractors::find(db, j.contractor_id).await? else { continue };
                let company = Company { name: &c.company_name, phone: &c.phone };
                let zone = zone_of(&l.state, &l.postcode);
                let due = j.contact_due_at.unwrap_or_else(Utc::now);
                let key = format!("customer.assigned:{}", j.id);
                items.extend(to_customer(ctx, &l, &j, "customer.assigned", &key, |stop| {
                    Some(templates::customer_assigned(&l, &company, due, zone, stop))
                }));
            }
            Event::Job(u)
                if u.alert.is_none()
                    && u.previous.is_some()
                    && matches!(u.status, JobStatus::Contacted | JobStatus::InProgress | JobStatus::Completed) =>
            {
                let Some(j) = store::jobs::find(db, u.job_id).await? else { continue };
                let Some(l) = store::leads::find(db, j.lead_id).await? else { continue };
                let Some(c) = store::contractors::find(db, j.contractor_id).await? else { continue };
                let company = Company { name: &c.company_name, phone: &c.phone };
                let zone = zone_of(&l.state, &l.postcode);
                let rate = (u.status == JobStatus::Completed).then(|| rate_link(ctx, j.id));
                let key = format!("customer.stage:{}:{:?}", j.id, u.status);
                items.extend(to_customer(ctx, &l, &j, "customer.stage", &key, |stop| {
                    templates::customer_stage(&l, &company, u.status, j.scheduled_for, zone, rate.as_deref(), stop)
                }));
            }
            _ => {}
        }
    }
    Ok(items)
}

/// Why a queued notification should no longer go (its customer opted out since), if so.
pub async fn no_longer_wanted(ctx: &AppContext, n: &notification::Model) -> ServiceResult<Option<String>> {
    if n.audience == NotificationAudience::Customer && super::opted_out(&ctx.db, n.channel, &n.destination).await? {
        return Ok(Some("the customer opted out".into()));
    }
    Ok(None)
}

/// What an opt-out link stops: the channel and a masked address, for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutTarget {
    pub notification_id: Uuid,
    pub channel: NotificationChannel,
    /// `04•• ••• 678`, `t•••@example.com`: enough to recognise, not to harvest.
    pub shown_as: String,
}

/// The notification an opt-out link names, if the link is good.
pub async fn opt_out_target(ctx: &AppContext, token: &str) -> ServiceResult<OptOutTarget> {
    let id = links::open(ctx.jwt.link_key(), Purpose::OptOut, token, Utc::now())
        .map_err(|_| ServiceError::validation("token", "this link is not valid"))?;
    let n = notification::Entity::find_by_id(id).one(&ctx.db).await?.ok_or_else(|| ServiceError::not_found("link"))?;
    Ok(OptOutTarget {
        notification_id: n.id,
        channel: n.channel,
        shown_as: templates::masked(n.channel, &n.destination),
    })
}

/// Records the opt-out a customer asked for through a link (idempotent) and audits it. Whatever
/// is still queued for that address is cancelled when its turn comes.
pub async fn opt_out_by_link(ctx: &AppContext, token: &str) -> ServiceResult<OptOutTarget> {
    let target = opt_out_target(ctx, token).await?;
    let n = notification::Entity::find_by_id(target.notification_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ServiceError::not_found("link"))?;
    record_opt_out(ctx, n.channel, &n.destination, "LINK", n.lead_id, Some(n.id)).await?;
    Ok(target)
}

/// Records an opt-out once (idempotent), audited; whether it was new.
async fn record_opt_out(
    ctx: &AppContext,
    channel: NotificationChannel,
    destination: &str,
    via: &str,
    lead_id: Option<Uuid>,
    notification_id: Option<Uuid>,
) -> ServiceResult<bool> {
    let destination = super::normalise(channel, destination);
    let txn = ctx.db.begin().await?;
    let added = opt_out::Entity::insert(opt_out::ActiveModel {
        id: Set(Uuid::now_v7()),
        channel: Set(channel),
        destination: Set(destination),
        via: Set(via.into()),
        lead_id: Set(lead_id),
        created_at: Set(Utc::now()),
    })
    .on_conflict(OnConflict::columns([opt_out::Column::Channel, opt_out::Column::Destination]).do_nothing().to_owned())
    .exec_without_returning(&txn)
    .await?;
    if added > 0 {
        super::super::audit::record(
            &txn,
            &RequestMeta::system(),
            "customer.opted_out",
            "notification",
            notification_id,
            json!({ "channel": channel, "via": via, "leadId": lead_id }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(added > 0)
}

/// The words that stop or restart texts, as carriers and Twilio recognise them.
const STOP_WORDS: [&str; 6] = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
const START_WORDS: [&str; 3] = ["START", "UNSTOP", "YES"];

/// What a reply to one of NRP's texts did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    OptedOut,
    OptedIn,
    /// Anything else: not a keyword; nothing changes.
    Other,
}

/// A text a customer sent back (Twilio's inbound webhook): `STOP` and its synonyms opt the
/// number out of NRP's texts, `START` opts it back in; both audited.
pub async fn reply(ctx: &AppContext, from: &str, body: &str) -> ServiceResult<Reply> {
    let word = body.trim().trim_end_matches(['.', '!']).to_uppercase();
    let from = crate::domain::Phone::parse(from).map(|p| p.into_inner()).unwrap_or_else(|_| from.trim().to_string());
    if STOP_WORDS.contains(&word.as_str()) {
        record_opt_out(ctx, NotificationChannel::Sms, &from, "REPLY", None, None).await?;
        return Ok(Reply::OptedOut);
    }
    if START_WORDS.contains(&word.as_str()) {
        let txn = ctx.db.begin().await?;
        let removed = opt_out::Entity::delete_many()
            .filter(opt_out::Column::Channel.eq(NotificationChannel::Sms))
            .filter(opt_out::Column::Destination.eq(from.clone()))
            .exec(&txn)
            .await?
            .rows_affected;
        if removed > 0 {
            super::super::audit::record(
                &txn,
                &RequestMeta::system(),
                "customer.opted_in",
                "notification",
                None,
                json!({ "channel": "SMS", "via": "REPLY" }),
            )
            .await?;
        }
        txn.commit().await?;
        return Ok(Reply::OptedIn);
    }
    Ok(Reply::Other)
}

//! Notifications: one durable outbox for every channel. A change that should tell someone writes
//! its notifications in its own transaction (`enqueue`, mostly through `services::commit` from
//! the change's events), so a crash loses none and a rolled-back change sends none. Each
//! instance's sender (`worker::run_notification_delivery`) claims due ones with a lease counted
//! from the claim, sends through the channel (`crate::notify`), and records the outcome fenced by
//! that lease: two instances never send the same notification, and a late answer never
//! overwrites another attempt. Failures retry with exponential back-off until the attempts run
//! out; then the notification is a dead letter (`FAILED`) that an admin can send again.

pub mod customers;
pub mod devices;
pub mod offers;
pub mod settings;
pub mod staff;
pub mod templates;

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use entities::{NotificationAudience, NotificationChannel, NotificationStatus, notification, opt_out};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

pub use self::templates::Rendered;
use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::notify::Refusal;

/// A notification to write.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Chosen by the caller, so the message can carry links that name it.
    pub id: Uuid,
    pub channel: NotificationChannel,
    pub template: &'static str,
    pub audience: NotificationAudience,
    pub user_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub offer_id: Option<Uuid>,
    pub destination: String,
    pub message: Rendered,
    pub data: Option<Value>,
    /// One notification per key, ever.
    pub dedupe_key: Option<String>,
    /// Not before then (a reminder); now for most.
    pub due_at: DateTime<Utc>,
}

impl Outgoing {
    /// A notification of `template` to `destination` on `channel`, due now.
    pub fn new(
        channel: NotificationChannel,
        template: &'static str,
        audience: NotificationAudience,
        destination: String,
        message: Rendered,
    ) -> Self {
        Outgoing {
            id: Uuid::now_v7(),
            channel,
            template,
            audience,
            user_id: None,
            lead_id: None,
            job_id: None,
            offer_id: None,
            destination,
            message,
            data: None,
            dedupe_key: None,
            due_at: Utc::now(),
        }
    }
}

impl Outgoing {
    /// An email about the login itself (reset, confirmation, invitation, …) to its address.
    pub fn account_email(user: &entities::user::Model, template: &'static str, message: Rendered) -> Self {
        let mut o = Outgoing::new(
            NotificationChannel::Email,
            template,
            NotificationAudience::User,
            user.email.clone(),
            message,
        );
        o.user_id = Some(user.id);
        o
    }
}

/// Whether this address asked to hear nothing more.
pub async fn opted_out(
    db: &impl ConnectionTrait,
    channel: NotificationChannel,
    destination: &str,
) -> ServiceResult<bool> {
    Ok(opt_out::Entity::find()
        .filter(opt_out::Column::Channel.eq(channel))
        .filter(opt_out::Column::Destination.eq(normalise(channel, destination)))
        .count(db)
        .await?
        > 0)
}

/// The form an address is compared in (emails case-insensitively).
pub fn normalise(channel: NotificationChannel, destination: &str) -> String {
    match channel {
        NotificationChannel::Email => destination.trim().to_lowercase(),
        _ => destination.trim().to_string(),
    }
}

/// Writes these notifications in the caller's transaction, leaving out channels this instance
/// has not configured, customers' addresses that opted out, and any whose key was used before.
/// Returns how many were written.
pub async fn enqueue(ctx: &AppContext, db: &impl ConnectionTrait, items: Vec<Outgoing>) -> ServiceResult<usize> {
    let mut written = 0;
    for o in items {
        if !ctx.channels.has(o.channel) {
            continue;
        }
        if o.audience == NotificationAudience::Customer && opted_out(db, o.channel, &o.destination).await? {
            continue;
        }
        let am = notification::ActiveModel {
            id: Set(o.id),
            channel: Set(o.channel),
            template: Set(o.template.into()),
            audience: Set(o.audience),
            user_id: Set(o.user_id),
            lead_id: Set(o.lead_id),
            job_id: Set(o.job_id),
            offer_id: Set(o.offer_id),
            destination: Set(o.destination),
            subject: Set(Some(clip(&o.message.subject, 200))),
            body_text: Set(o.message.text),
            body_html: Set(o.message.html),
            data: Set(o.data.map(|d| d.to_string())),
            status: Set(NotificationStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(o.due_at.trunc_subsecs(6)),
            last_error: Set(None),
            provider_ref: Set(None),
            dedupe_key: Set(o.dedupe_key),
            resent_from: Set(None),
            created_at: Set(Utc::now()),
            sent_at: Set(None),
        };
        written += notification::Entity::insert(am)
            .on_conflict(OnConflict::column(notification::Column::DedupeKey).do_nothing().to_owned())
            .exec_without_returning(db)
            .await? as usize;
    }
    Ok(written)
}

/// Writes the notifications these events call for (customers' messages, offers' alerts) in the
/// change's transaction; returns how many.
pub async fn for_events(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    events: &[crate::events::Event],
) -> ServiceResult<usize> {
    let mut items = customers::for_events(ctx, db, events).await?;
    items.extend(offers::for_events(ctx, db, events).await?);
    items.extend(staff::for_events(ctx, db, events).await?);
    if items.is_empty() {
        return Ok(0);
    }
    enqueue(ctx, db, items).await
}

/// At most `n` characters (the columns' widths; a long company name must never fail the change
/// that queues a message about it).
fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Due notifications on the channels this instance has, oldest first.
pub async fn due(ctx: &AppContext, limit: u64) -> ServiceResult<Vec<notification::Model>> {
    let channels: Vec<NotificationChannel> =
        [NotificationChannel::Push, NotificationChannel::Sms, NotificationChannel::Email]
            .into_iter()
            .filter(|c| ctx.channels.has(*c))
            .collect();
    if channels.is_empty() {
        return Ok(vec![]);
    }
    Ok(notification::Entity::find()
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::NextAttemptAt.lte(Utc::now()))
        .filter(notification::Column::Channel.is_in(channels))
        .order_by_asc(notification::Column::NextAttemptAt)
        .limit(limit)
        .all(&ctx.db)
        .await?)
}

/// A claim on one notification: the lease it set, which only its holder can record against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim(DateTime<Utc>);

/// How long a claimed notification is held: longer than any send can take.
fn lease(ctx: &AppContext) -> chrono::Duration {
    let hold = ctx.config.notify_timeout.saturating_mul(2).max(Duration::from_secs(1));
    chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::minutes(1))
}

/// Claims a notification for one send, only if nobody else did: its next attempt moves out by a
/// lease counted from now. A sender that dies mid-send leaves it to be sent after the lease.
pub async fn claim(ctx: &AppContext, n: &notification::Model) -> ServiceResult<Option<Claim>> {
    let lease_until = (Utc::now() + lease(ctx)).trunc_subsecs(6);
    let won = notification::Entity::update_many()
        .col_expr(notification::Column::NextAttemptAt, Expr::value(lease_until))
        .filter(notification::Column::Id.eq(n.id))
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::NextAttemptAt.eq(n.next_attempt_at))
        .exec(&ctx.db)
        .await?
        .rows_affected
        == 1;
    Ok(won.then_some(Claim(lease_until)))
}

/// What became of one claimed notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Will be tried again.
    Retrying,
    /// A dead letter.
    Failed,
    /// No longer to be sent.
    Cancelled,
    /// The lease lapsed before the outcome was written; the sender that holds it now records.
    Lost,
}

/// Sends one claimed notification and records what happened.
pub async fn deliver(ctx: &AppContext, n: notification::Model, claim: Claim) -> ServiceResult<Outcome> {
    let mut unwanted = customers::no_longer_wanted(ctx, &n).await?;
    if unwanted.is_none() {
        unwanted = staff::no_longer_wanted(ctx, &n).await?;
    }
    if unwanted.is_none() {
        unwanted = offers::no_longer_wanted(ctx, &n).await?;
    }
    if let Some(why) = unwanted {
        return finish(ctx, &n, claim, Finish::Cancel(why)).await;
    }
    let Some(channel) = ctx.channels.get(n.channel).cloned() else {
        // Another instance may have the channel; this one lets go without using an attempt.
        return finish(ctx, &n, claim, Finish::Release("this instance has no such channel configured".into())).await;
    };
    // The whole send, not each of its steps, fits in the timeout: the lease (twice it) outlasts it.
    let result = match tokio::time::timeout(ctx.config.notify_timeout, channel.send(&n)).await {
        Ok(r) => r,
        Err(_) => Err(Refusal::Retry { why: "the provider did not answer in time".into(), after: None }),
    };
    let step = match result {
        Ok(a) => Finish::Sent(a.provider_ref),
        Err(r) => Finish::Refused(r),
    };
    finish(ctx, &n, claim, step).await
}

enum Finish {
    Sent(Option<String>),
    Refused(Refusal),
    Cancel(String),
    Release(String),
}

fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// Writes the outcome, fenced by the claim.
async fn finish(ctx: &AppContext, n: &notification::Model, claim: Claim, step: Finish) -> ServiceResult<Outcome> {
    let now = Utc::now();
    let attempt = n.attempts + 1;
    let mut q = notification::Entity::update_many();
    let outcome = match &step {
        Finish::Sent(provider_ref) => {
            q = q
                .col_expr(notification::Column::Status, Expr::value(NotificationStatus::Sent))
                .col_expr(notification::Column::Attempts, Expr::value(attempt))
                .col_expr(notification::Column::ProviderRef, Expr::value(provider_ref.as_deref().map(|r| clip(r, 200))))
                .col_expr(notification::Column::SentAt, Expr::value(Some(now)))
                .col_expr(notification::Column::LastError, Expr::value(Option::<String>::None));
            Outcome::Sent
        }
        Finish::Refused(r) => {
            let give_up = !matches!(r, Refusal::Retry { .. }) || attempt as u32 >= ctx.config.notify_max_attempts;
            q = q
                .col_expr(notification::Column::Attempts, Expr::value(attempt))
                .col_expr(notification::Column::LastError, Expr::value(Some(clip(r.why(), 500))));
            if give_up {
                q = q.col_expr(notification::Column::Status, Expr::value(NotificationStatus::Failed));
                Outcome::Failed
            } else {
                let hint = match r {
                    Refusal::Retry { after: Some(a), .. } => (*a).min(Duration::from_secs(3600)),
                    _ => Duration::ZERO,
                };
                let wait = backoff(ctx.config.notify_retry_base, attempt as u32).max(hint);
                let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                q = q.col_expr(notification::Column::NextAttemptAt, Expr::value(next.trunc_subsecs(6)));
                Outcome::Retrying
            }
        }
        Finish::Cancel(why) => {
            q = q
                .col_expr(notification::Column::Status, Expr::value(NotificationStatus::Cancelled))
                .col_expr(notification::Column::LastError, Expr::value(Some(clip(why, 500))));
            Outcome::Cancelled
        }
        Finish::Release(why) => {
            q = q.col_expr(notification::Column::LastError, Expr::value(Some(why.clone()))).col_expr(
                notification::Column::NextAttemptAt,
                Expr::value((now + chrono::Duration::minutes(1)).trunc_subsecs(6)),
            );
            Outcome::Retrying
        }
    };
    let held = q
        .filter(notification::Column::Id.eq(n.id))
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .filter(notification::Column::NextAttemptAt.eq(claim.0))
        .exec(&ctx.db)
        .await?
        .rows_affected
        == 1;
    if !held {
        tracing::warn!(notification = %n.id, "notification lease lapsed before its outcome was recorded");
        return Ok(Outcome::Lost);
    }
    if let (Finish::Refused(Refusal::Gone { .. }), NotificationChannel::Push) = (&step, n.channel)
        && let Ok(device) = Uuid::parse_str(&n.destination)
    {
        // The push service dropped the subscription: so do we.
        entities::push_subscription::Entity::delete_by_id(device).exec(&ctx.db).await?;
    }
    if let (Finish::Sent(_), NotificationChannel::Push) = (&step, n.channel)
        && let Ok(device) = Uuid::parse_str(&n.destination)
    {
        entities::push_subscription::Entity::update_many()
            .col_expr(entities::push_subscription::Column::LastSentAt, Expr::value(Some(now)))
            .filter(entities::push_subscription::Column::Id.eq(device))
            .exec(&ctx.db)
            .await?;
    }
    if templates::carries_secret(&n.template) && !matches!(outcome, Outcome::Retrying) {
        // A one-time code or link is nobody's to read afterwards, not even in the log.
        notification::Entity::update_many()
            .col_expr(notification::Column::Subject, Expr::value(Some(settings::CODE_HIDDEN.to_string())))
            .col_expr(notification::Column::BodyText, Expr::value(settings::CODE_HIDDEN.to_string()))
            .col_expr(notification::Column::BodyHtml, Expr::value(Option::<String>::None))
            .filter(notification::Column::Id.eq(n.id))
            .exec(&ctx.db)
            .await?;
    }
    ctx.notification_outcomes.send_modify(|count| *count += 1);
    if let Finish::Refused(r) = &step {
        tracing::warn!(notification = %n.id, channel = ?n.channel, attempt, why = r.why(), "notification not sent");
    }
    Ok(outcome)
}

/// What the admins' log is filtered by.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub channel: Option<NotificationChannel>,
    pub status: Option<NotificationStatus>,
    pub template: Option<String>,
    pub user_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
    /// An exact address (email case-insensitively).
    pub destination: Option<String>,
    /// Written at or after.
    pub created_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Written before.
    pub created_to: Option<chrono::DateTime<chrono::Utc>>,
}

/// Admin: the notification log, newest first, with the total matching the filter.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    filter: NotificationFilter,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<notification::Model>, u64)> {
    meta.principal.require_admin()?;
    let mut q = notification::Entity::find();
    if let Some(c) = filter.channel {
        q = q.filter(notification::Column::Channel.eq(c));
    }
    if let Some(s) = filter.status {
        q = q.filter(notification::Column::Status.eq(s));
    }
    if let Some(t) = filter.template {
        q = q.filter(notification::Column::Template.eq(t));
    }
    if let Some(u) = filter.user_id {
        q = q.filter(notification::Column::UserId.eq(u));
    }
    if let Some(l) = filter.lead_id {
        q = q.filter(notification::Column::LeadId.eq(l));
    }
    if let Some(d) = filter.destination {
        let exact = d.trim().to_string();
        q = q.filter(notification::Column::Destination.is_in([exact.clone(), exact.to_lowercase()]));
    }
    if let Some(t) = filter.created_from {
        q = q.filter(notification::Column::CreatedAt.gte(t));
    }
    if let Some(t) = filter.created_to {
        q = q.filter(notification::Column::CreatedAt.lt(t));
    }
    let total = q.clone().count(&ctx.db).await?;
    if let Some(b) = before {
        q = q.filter(notification::Column::Id.lt(b));
    }
    let rows = q.order_by_desc(notification::Column::Id).limit(limit).all(&ctx.db).await?;
    Ok((rows, total))
}

/// The log entries a list shows (same filter, newest first), as CSV: at most
/// [`crate::services::csv_out::MAX_ROWS`]; more is `BAD_USER_INPUT` asking for a narrower
/// filter. Bodies are left out and a one-time code's subject hidden, as in the list. Admins
/// only.
pub async fn list_csv(ctx: &AppContext, meta: &RequestMeta, filter: NotificationFilter) -> ServiceResult<String> {
    use crate::services::csv_out::{CsvOut, MAX_ROWS, fits};
    use crate::services::leads::wire_name;
    let (rows, total) = list(ctx, meta, filter, None, MAX_ROWS).await?;
    fits(total, "notifications", "dates, status, channel")?;
    let mut w = CsvOut::default();
    w.row([
        "notification_id",
        "created_at",
        "channel",
        "template",
        "audience",
        "recipient",
        "lead_id",
        "subject",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "resent_from",
    ])?;
    for n in &rows {
        w.row([
            n.id.to_string(),
            n.created_at.to_rfc3339(),
            wire_name(&n.channel),
            n.template.clone(),
            wire_name(&n.audience),
            n.destination.clone(),
            n.lead_id.map(|i| i.to_string()).unwrap_or_default(),
            if templates::carries_secret(&n.template) {
                settings::CODE_HIDDEN.to_string()
            } else {
                n.subject.clone().unwrap_or_default()
            },
            wire_name(&n.status),
            n.attempts.to_string(),
            n.last_error.clone().unwrap_or_default(),
            n.sent_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            n.resent_from.map(|i| i.to_string()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// Admin: sends a notification again, as a new entry in the log that names the one it copies
/// (the original keeps its history). Not while the original is still pending.
pub async fn resend(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<notification::Model> {
    meta.principal.require_admin()?;
    let n = notification::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| ServiceError::not_found("notification"))?;
    if n.status == NotificationStatus::Pending {
        return Err(ServiceError::conflict("this notification is still being sent; wait for it to finish"));
    }
    if templates::carries_secret(&n.template) {
        return Err(ServiceError::conflict("a one-time code or link is not sent again; the user asks for a new one"));
    }
    if !ctx.channels.has(n.channel) {
        return Err(ServiceError::conflict("that channel is not configured on this server"));
    }
    let txn = sea_orm::TransactionTrait::begin(&ctx.db).await?;
    let now = Utc::now();
    let copy = notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        status: Set(NotificationStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now.trunc_subsecs(6)),
        last_error: Set(None),
        provider_ref: Set(None),
        dedupe_key: Set(None),
        resent_from: Set(Some(n.id)),
        created_at: Set(now),
        sent_at: Set(None),
        channel: Set(n.channel),
        template: Set(n.template.clone()),
        audience: Set(n.audience),
        user_id: Set(n.user_id),
        lead_id: Set(n.lead_id),
        job_id: Set(n.job_id),
        offer_id: Set(n.offer_id),
        destination: Set(n.destination.clone()),
        subject: Set(n.subject.clone()),
        body_text: Set(n.body_text.clone()),
        body_html: Set(n.body_html.clone()),
        data: Set(n.data.clone()),
    }
    .insert(&txn)
    .await?;
    super::audit::record(
        &txn,
        meta,
        "notification.resent",
        "notification",
        Some(copy.id),
        json!({ "from": n.id, "status": n.status, "channel": n.channel }),
    )
    .await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(copy)
}

//! Alerts to the people who run the work: admins hear of a lead nobody took (back in the queue)
//! and of jobs past their contact deadline or idle too long; the contractor's people hear of
//! their own overdue jobs. Each person gets them on the channels they chose, on verified
//! contacts only, outside their quiet hours.

use chrono::Utc;
use entities::{LeadStatus, NotificationAudience, NotificationChannel, Urgency, push_subscription, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::Outgoing;
use super::settings::{self, Event as Kind};
use super::templates::{Rendered, damage};
use crate::context::AppContext;
use crate::error::ServiceResult;
use crate::events::Event;
use crate::notify::PushTarget;
use crate::store;

/// What one alert says and where it points.
pub struct Alert<'a> {
    pub kind: Kind,
    pub template: &'static str,
    pub urgency: Urgency,
    pub title: String,
    pub body: String,
    /// A path in the web app (`/admin/leads/…`).
    pub path: String,
    /// Makes the alert once per person and channel.
    pub key: String,
    pub lead_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub audience_note: &'a str,
}

/// The alert for one login, on each channel it wants it on now.
pub async fn to_user(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    u: &user::Model,
    a: &Alert<'_>,
) -> ServiceResult<Vec<Outgoing>> {
    if u.disabled {
        return Ok(vec![]);
    }
    let now = Utc::now();
    let zone = ctx.config.report_zone;
    let link = format!("{}{}", ctx.config.public_base_url, a.path);
    let mut out = Vec::new();
    // One read of the person's settings for every channel.
    let s = settings::get_for(db, u.id).await?;
    let wants = |channel| s.wants(zone, a.kind, channel, a.urgency, now);
    let base = |channel: NotificationChannel, destination: String, message: Rendered| {
        let mut o = Outgoing::new(channel, a.template, NotificationAudience::User, destination, message);
        o.user_id = Some(u.id);
        o.lead_id = a.lead_id;
        o.job_id = a.job_id;
        o
    };
    if ctx.channels.has(NotificationChannel::Push) && wants(NotificationChannel::Push) {
        let devices =
            push_subscription::Entity::find().filter(push_subscription::Column::UserId.eq(u.id)).all(db).await?;
        for d in devices {
            let target = PushTarget {
                endpoint: d.endpoint.clone(),
                p256dh: d.p256dh.clone(),
                auth: d.auth.clone(),
                payload: json!({ "kind": a.template, "title": a.title, "body": a.body, "url": a.path, "tag": a.key }),
                topic: None,
                urgency: "normal".into(),
                ttl_secs: 24 * 3600,
            };
            let mut o = base(
                NotificationChannel::Push,
                d.id.to_string(),
                Rendered { subject: a.title.clone(), text: a.body.clone(), html: None },
            );
            o.data = serde_json::to_value(&target).ok();
            o.dedupe_key = Some(format!("{}:{}:push:{}", a.key, u.id, d.id));
            out.push(o);
        }
    }
    if ctx.channels.has(NotificationChannel::Sms)
        && wants(NotificationChannel::Sms)
        && let Some(phone) = s.verified_phone().map(String::from)
    {
        let text = format!("NRP: {}. {} {link}", a.title, a.body);
        let mut o = base(NotificationChannel::Sms, phone, Rendered { subject: a.title.clone(), text, html: None });
        o.dedupe_key = Some(format!("{}:{}:sms", a.key, u.id));
        out.push(o);
    }
    if ctx.channels.has(NotificationChannel::Email) && wants(NotificationChannel::Email) {
        let html = format!(
            "<!doctype html><html lang=\"en-AU\"><body style=\"font-family:system-ui,sans-serif;line-height:1.5\"><p>{}</p>\
             <p><a href=\"{}\">Open it in NRP CRM</a></p><p style=\"color:#555;font-size:.85em\">{} Change what you get \
             in your alert settings.</p></body></html>",
            super::templates::escape(&a.body),
            super::templates::escape(&link),
            super::templates::escape(a.audience_note)
        );
        let text =
            format!("{}\n\nOpen it: {link}\n\n{} Change what you get in your alert settings.", a.body, a.audience_note);
        let mut o = base(
            NotificationChannel::Email,
            u.email.clone(),
            Rendered { subject: a.title.clone(), text, html: Some(html) },
        );
        o.dedupe_key = Some(format!("{}:{}:email", a.key, u.id));
        out.push(o);
    }
    Ok(out)
}

/// Why a login's queued notification should no longer go: the login was disabled, or the phone
/// or email it was queued for is no longer that login's proven one (a one-time code goes to the
/// number being proven, so only the number must still be the same).
pub async fn no_longer_wanted(ctx: &AppContext, n: &entities::notification::Model) -> ServiceResult<Option<String>> {
    let (NotificationAudience::User, Some(user_id)) = (n.audience, n.user_id) else { return Ok(None) };
    let Some(u) = store::users::find(&ctx.db, user_id).await? else {
        return Ok(Some("the login no longer exists".into()));
    };
    if u.disabled {
        return Ok(Some("the login is disabled".into()));
    }
    let code = n.template == settings::CODE_TEMPLATE;
    // Account emails go to the login's address proven or not: they are how it is proven.
    let account = code || super::templates::about_the_account(&n.template);
    let current = settings::get_for(&ctx.db, user_id).await?;
    let still = match n.channel {
        NotificationChannel::Sms if code => current.phone.as_deref() == Some(n.destination.as_str()),
        NotificationChannel::Sms => current.phone_verified && current.phone.as_deref() == Some(n.destination.as_str()),
        // A change of address is confirmed at the new address, and the old one is told after.
        NotificationChannel::Email if n.template == super::templates::ACCOUNT_VERIFY => true,
        NotificationChannel::Email if n.template == super::templates::ACCOUNT_EMAIL_CHANGED => true,
        NotificationChannel::Email if account => u.email == n.destination,
        NotificationChannel::Email => current.email_verified && u.email == n.destination,
        NotificationChannel::Push => true,
    };
    Ok((!still).then(|| "the login's contact changed since this was queued".into()))
}

/// To the contractor's people, when a payout reaches Stripe (written with the change that marks
/// it paid). Returns how many notifications were queued.
pub async fn payout_sent(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    p: &entities::payout::Model,
) -> ServiceResult<usize> {
    let job = store::jobs::find(db, p.job_id).await?;
    let lead = match &job {
        Some(j) => store::leads::find(db, j.lead_id).await?,
        None => None,
    };
    let place = lead.as_ref().map(|l| format!(" for the job in {}", l.suburb)).unwrap_or_default();
    let amount = super::templates::aud_exact(p.payout_cents);
    let alert = Alert {
        kind: Kind::PayoutSent,
        template: "payout.sent",
        urgency: Urgency::Low,
        title: format!("Payout sent: {amount}"),
        body: format!(
            "NRP has sent {amount}{place} to your bank account through Stripe. It usually arrives within two business days."
        ),
        path: "/payouts".into(),
        key: format!("payout.sent:{}", p.id),
        lead_id: lead.as_ref().map(|l| l.id),
        job_id: Some(p.job_id),
        audience_note: "You get this for your company's payouts.",
    };
    let mut items = Vec::new();
    for person in store::users::for_contractor(db, p.contractor_id).await? {
        items.extend(to_user(ctx, db, &person, &alert).await?);
    }
    super::enqueue(ctx, db, items).await
}

/// Certifications expiring within 30 days, on each company's own clock: one alert per
/// certification and expiry date (a renewed one with a new date is told again). Safe to run often
/// and on every instance: each alert is written once. Returns how many were queued.
pub async fn certificates_expiring(ctx: &AppContext) -> ServiceResult<usize> {
    let today = crate::domain::zones::local_date(Utc::now(), ctx.config.report_zone);
    let soon = store::contractors::certifications_expiring_before(&ctx.db, today + chrono::Duration::days(31)).await?;
    let mut queued = 0;
    for (cert, company) in soon {
        let Some(expires) = cert.expires_on else { continue };
        let local_today = crate::domain::zones::local_date(
            Utc::now(),
            crate::domain::zones::zone_of_postcode(&company.base_postcode),
        );
        let days = (expires - local_today).num_days();
        if !(0..=30).contains(&days) {
            continue;
        }
        let alert = Alert {
            kind: Kind::CertExpiring,
            template: "cert.expiring",
            urgency: Urgency::Low,
            title: format!("Your {} expires {}", cert.kind, expires.format("%-d %B %Y")),
            body: format!(
                "{}'s {} ({}) expires on {} ({} days). Upload the renewed one before then: without it, leads that need it stop coming.",
                company.company_name,
                cert.kind,
                cert.number,
                expires.format("%-d %B %Y"),
                days
            ),
            path: "/profile".into(),
            key: format!("cert.expiring:{}:{expires}", cert.id),
            lead_id: None,
            job_id: None,
            audience_note: "You get this for your company's certifications.",
        };
        let txn = sea_orm::TransactionTrait::begin(&ctx.db).await?;
        let mut items = Vec::new();
        for person in store::users::for_contractor(&txn, company.id).await? {
            items.extend(to_user(ctx, &txn, &person, &alert).await?);
        }
        queued += super::enqueue(ctx, &txn, items).await?;
        txn.commit().await?;
    }
    if queued > 0 {
        ctx.notifications_queued.notify_one();
    }
    Ok(queued)
}

fn reason_words(alert: &str) -> &'static str {
    match alert {
        "CONTACT_OVERDUE" => "the customer has not been contacted in time",
        "IDLE" => "it has not moved for too long",
        _ => "it needs attention",
    }
}

/// The staff alerts these events call for.
pub async fn for_events(ctx: &AppContext, db: &impl ConnectionTrait, events: &[Event]) -> ServiceResult<Vec<Outgoing>> {
    let mut out = Vec::new();
    for e in events {
        match e {
            Event::Lead(u) if u.status == LeadStatus::Unassigned && u.previous != Some(LeadStatus::Unassigned) => {
                let Some(l) = store::leads::find(db, u.lead_id).await? else { continue };
                let alert = Alert {
                    kind: Kind::UnassignedLead,
                    template: "admin.unassigned_lead",
                    urgency: l.urgency,
                    title: format!("Lead needs a contractor: {} damage in {}", damage(l.damage_type), l.suburb),
                    body: format!(
                        "Nobody took the {} {} lead in {} {}. Assign it or re-route it.",
                        format!("{:?}", l.urgency).to_lowercase(),
                        damage(l.damage_type),
                        l.suburb,
                        l.postcode
                    ),
                    path: format!("/admin/leads/{}", l.id),
                    key: format!("admin.unassigned_lead:{}:{}", l.id, u.at.timestamp_micros()),
                    lead_id: Some(l.id),
                    job_id: None,
                    audience_note: "You get this as an NRP admin.",
                };
                for admin in store::users::active_admins(db).await? {
                    out.extend(to_user(ctx, db, &admin, &alert).await?);
                }
            }
            Event::Job(u) if u.alert.is_some() => {
                let Some(l) = store::leads::find(db, u.lead_id).await? else { continue };
                let Some(j) = store::jobs::find(db, u.job_id).await? else { continue };
                let why = reason_words(u.alert.as_deref().unwrap_or_default());
                let title = format!("Job overdue: {} damage in {}", damage(l.damage_type), l.suburb);
                // Once per stage: a job can be overdue again in a later stage.
                let stage = j.stage_entered_at.map(|t| t.timestamp_micros()).unwrap_or_default();
                let key = format!("job.overdue:{}:{}:{stage}", u.job_id, u.alert.as_deref().unwrap_or_default());
                let admin_alert = Alert {
                    kind: Kind::JobOverdue,
                    template: "admin.job_overdue",
                    urgency: l.urgency,
                    title: title.clone(),
                    body: format!("The job in {} is overdue: {why}.", l.suburb),
                    path: "/admin/jobs".into(),
                    key: key.clone(),
                    lead_id: Some(l.id),
                    job_id: Some(u.job_id),
                    audience_note: "You get this as an NRP admin.",
                };
                for admin in store::users::active_admins(db).await? {
                    out.extend(to_user(ctx, db, &admin, &admin_alert).await?);
                }
                let own = Alert {
                    template: "job.overdue",
                    body: format!("Your job in {} is overdue: {why}. Update it in the app.", l.suburb),
                    path: format!("/jobs/{}", u.job_id),
                    audience_note: "You get this for your company's jobs.",
                    ..admin_alert
                };
                for person in store::users::for_contractor(db, u.contractor_id).await? {
                    out.extend(to_user(ctx, db, &person, &own).await?);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

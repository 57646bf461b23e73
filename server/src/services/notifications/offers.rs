//! A contractor hears of an offer wherever it is: a Web Push to every device its people turned
//! alerts on for, the moment the offer is made, whose click opens the offer; when the offer
//! closes (taken by another company, expired, withdrawn, answered), a push with the same tag
//! replaces it, so no stale offer lingers on a lock screen. An urgent (`HIGH`, `EMERGENCY`) offer
//! still unopened after `OFFER_SMS_AFTER_SECS` is followed by an SMS to each verified phone.
//! Nothing here names the customer: suburb, damage, urgency, value and deadline only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{
    NotificationAudience, NotificationChannel, OfferStatus, Urgency, notification, offer, push_subscription,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::templates::{Rendered, damage, when};
use super::{Outgoing, settings};
use crate::context::AppContext;
use crate::domain::zones::zone_of;
use crate::error::ServiceResult;
use crate::events::{OfferEventKind, OfferSnapshot};
use crate::notify::PushTarget;
use crate::store;

/// `$12,500` from cents (whole dollars; an estimate needs no cents).
pub fn aud(cents: i64) -> String {
    format!("${}", super::templates::grouped(((cents.max(0) + 50) / 100) as u64))
}

fn urgency_word(u: Urgency) -> &'static str {
    match u {
        Urgency::Low => "Low",
        Urgency::Medium => "Medium",
        Urgency::High => "High",
        Urgency::Emergency => "EMERGENCY",
    }
}

/// `New water job in Parramatta` and `High · est. $12,500 · answer by 3:45 pm Mon 7 Dec`.
pub fn offer_text(o: &OfferSnapshot) -> (String, String) {
    let l = &o.lead;
    let zone = zone_of(&l.state, &l.postcode);
    let title = format!("New {} job in {}", damage(l.damage_type), l.suburb);
    let mut parts = vec![urgency_word(l.urgency).to_string()];
    if let Some(v) = l.estimated_value_cents {
        parts.push(format!("est. {}", aud(v)));
    }
    if let Some(km) = o.distance_km {
        parts.push(format!("{km:.0} km away"));
    }
    parts.push(format!("answer by {}", when(o.expires_at, zone)));
    (title, parts.join(" · "))
}

fn closed_text(kind: OfferEventKind, o: &OfferSnapshot) -> Option<(&'static str, String)> {
    let what = format!("the {} job in {}", damage(o.lead.damage_type), o.lead.suburb);
    Some(match kind {
        OfferEventKind::Taken => ("Offer taken", format!("Another company accepted {what}.")),
        OfferEventKind::Expired => ("Offer expired", format!("The time to answer for {what} ran out.")),
        OfferEventKind::Withdrawn => ("Offer withdrawn", format!("NRP withdrew {what}.")),
        OfferEventKind::Accepted => {
            ("Job won", format!("You accepted {what}. Open the app for the customer's details."))
        }
        OfferEventKind::Declined => ("Offer declined", format!("You declined {what}.")),
        OfferEventKind::Offered => return None,
    })
}

fn topic(offer_id: Uuid) -> String {
    // RFC 8030: at most 32 characters of the URL-safe base64 alphabet.
    offer_id.simple().to_string()
}

/// Where a push about this offer goes and how the push service should treat it.
fn target(
    sub: &push_subscription::Model,
    payload: serde_json::Value,
    offer: Uuid,
    urgency: &str,
    ttl_secs: u64,
) -> PushTarget {
    PushTarget {
        endpoint: sub.endpoint.clone(),
        p256dh: sub.p256dh.clone(),
        auth: sub.auth.clone(),
        payload,
        topic: Some(topic(offer)),
        urgency: urgency.into(),
        ttl_secs,
    }
}

fn push(sub: &push_subscription::Model, template: &'static str, o: &OfferSnapshot, target: PushTarget) -> Outgoing {
    let title = target.payload["title"].as_str().unwrap_or_default().to_string();
    let body = target.payload["body"].as_str().unwrap_or_default().to_string();
    let mut out = Outgoing::new(
        NotificationChannel::Push,
        template,
        NotificationAudience::User,
        sub.id.to_string(),
        Rendered { subject: title, text: body, html: None },
    );
    out.user_id = Some(sub.user_id);
    out.lead_id = Some(o.lead.id);
    out.offer_id = Some(o.id);
    out.dedupe_key = Some(format!("{template}:{}:{}", o.id, sub.id));
    out.data = serde_json::to_value(&target).ok();
    out
}

/// The devices of the people of this contractor company who turned alerts on.
async fn devices(db: &impl ConnectionTrait, contractor_id: Uuid) -> ServiceResult<Vec<push_subscription::Model>> {
    let users: Vec<Uuid> = store::users::for_contractor(db, contractor_id)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| u.id)
        .collect();
    if users.is_empty() {
        return Ok(vec![]);
    }
    Ok(push_subscription::Entity::find().filter(push_subscription::Column::UserId.is_in(users)).all(db).await?)
}

/// The pushes (and delayed SMS) these offer events call for.
pub async fn for_events(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    events: &[crate::events::Event],
) -> ServiceResult<Vec<Outgoing>> {
    let mut items = Vec::new();
    let now = Utc::now();
    for e in events {
        let crate::events::Event::Offer { kind, offer: o } = e else { continue };
        let wants_push = ctx.channels.has(NotificationChannel::Push);
        let subs = if wants_push { devices(db, o.contractor_id).await? } else { vec![] };
        if *kind == OfferEventKind::Offered {
            let (title, body) = offer_text(o);
            let ttl = (o.expires_at - now).num_seconds().max(0) as u64;
            // One read of each person's settings, however many devices they have.
            let mut people: HashMap<Uuid, settings::Settings> = HashMap::new();
            for sub in &subs {
                if let std::collections::hash_map::Entry::Vacant(e) = people.entry(sub.user_id) {
                    e.insert(settings::get_for(db, sub.user_id).await?);
                }
            }
            for sub in &subs {
                let wanted = people.get(&sub.user_id).is_some_and(|s| {
                    s.wants(
                        ctx.config.report_zone,
                        settings::Event::Offer,
                        NotificationChannel::Push,
                        o.lead.urgency,
                        now,
                    )
                });
                if !wanted {
                    continue;
                }
                let payload = json!({
                    "kind": "offer", "offerId": o.id, "title": title, "body": body, "tag": format!("offer-{}", o.id),
                    "url": format!("/offers/{}", o.id), "expiresAt": o.expires_at, "urgency": o.lead.urgency,
                    "requireInteraction": o.lead.urgency.is_urgent(),
                });
                items.push(push(sub, "offer.new", o, target(sub, payload, o.id, "high", ttl)));
            }
            if o.lead.urgency.is_urgent() && ctx.channels.has(NotificationChannel::Sms) {
                items.extend(sms_reminders(ctx, db, o, &title, &body, now).await?);
            }
        } else if let Some((title, body)) = closed_text(*kind, o) {
            // Only where the offer itself went: a device that never showed it has nothing to replace.
            let told: Vec<String> = notification::Entity::find()
                .filter(notification::Column::OfferId.eq(o.id))
                .filter(notification::Column::Template.eq("offer.new"))
                .filter(notification::Column::Channel.eq(NotificationChannel::Push))
                .all(db)
                .await?
                .into_iter()
                .map(|n| n.destination)
                .collect();
            for sub in subs.iter().filter(|s| told.contains(&s.id.to_string())) {
                let payload = json!({
                    "kind": "offer.closed", "offerId": o.id, "title": title, "body": body,
                    "tag": format!("offer-{}", o.id), "url": "/offers", "status": o.status,
                });
                items.push(push(sub, "offer.closed", o, target(sub, payload, o.id, "normal", 3600)));
            }
        }
    }
    Ok(items)
}

/// An SMS for each verified phone of the company's people, due once the offer has sat unopened
/// for the configured delay (checked again when it is due).
async fn sms_reminders(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    o: &OfferSnapshot,
    title: &str,
    body: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Outgoing>> {
    let due = now + chrono::Duration::from_std(ctx.config.offer_sms_after).unwrap_or(chrono::Duration::minutes(2));
    if due >= o.expires_at {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for user in store::users::for_contractor(db, o.contractor_id).await? {
        if user.disabled {
            continue;
        }
        let s = settings::get_for(db, user.id).await?;
        let Some(phone) = s.verified_phone().map(String::from) else { continue };
        if !s.wants(ctx.config.report_zone, settings::Event::Offer, NotificationChannel::Sms, o.lead.urgency, due) {
            continue;
        }
        let link = format!("{}/offers/{}", ctx.config.public_base_url, o.id);
        let text = format!("NRP: {title}. {body}. Open: {link}");
        let mut n = Outgoing::new(
            NotificationChannel::Sms,
            "offer.reminder",
            NotificationAudience::User,
            phone,
            Rendered { subject: title.to_string(), text, html: None },
        );
        n.user_id = Some(user.id);
        n.lead_id = Some(o.lead.id);
        n.offer_id = Some(o.id);
        n.due_at = due;
        n.dedupe_key = Some(format!("offer.reminder:{}:{}", o.id, user.id));
        out.push(n);
    }
    Ok(out)
}

/// Why an offer's notification should no longer go: a reminder for an offer already opened or
/// closed, a push for a device that was removed, a new-offer push for a closed offer.
pub async fn no_longer_wanted(ctx: &AppContext, n: &notification::Model) -> ServiceResult<Option<String>> {
    if n.channel == NotificationChannel::Push {
        let id = Uuid::parse_str(&n.destination).ok();
        let exists = match id {
            Some(id) => push_subscription::Entity::find_by_id(id).one(&ctx.db).await?.is_some(),
            None => false,
        };
        if !exists {
            return Ok(Some("the device no longer receives alerts".into()));
        }
    }
    let Some(offer_id) = n.offer_id else { return Ok(None) };
    if n.template != "offer.reminder" && n.template != "offer.new" {
        return Ok(None);
    }
    let Some(o) = offer::Entity::find_by_id(offer_id).one(&ctx.db).await? else {
        return Ok(Some("the offer no longer exists".into()));
    };
    if o.status != OfferStatus::Open || o.expires_at <= Utc::now() {
        return Ok(Some("the offer is no longer open".into()));
    }
    if n.template == "offer.reminder" && o.seen_at.is_some() {
        return Ok(Some("the offer was opened in the app".into()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_australians_write_them() {
        assert_eq!(aud(1_250_000), "$12,500");
        assert_eq!(aud(99), "$1");
        assert_eq!(aud(12_345_678_900), "$123,456,789");
        assert_eq!(aud(0), "$0");
    }
}

//! Each login's alert settings: which events reach it on which channels, quiet hours on its own
//! clock (an `EMERGENCY` offer comes through anyway), and the phone and email it is reached on,
//! each proven with a one-time code before it receives anything.

use std::collections::BTreeMap;

use chrono::{DateTime, Timelike, Utc};
use entities::{NotificationAudience, NotificationChannel, Urgency, contact_verification, notification_settings};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::templates::Rendered;
use super::{Outgoing, enqueue};
use crate::auth::{Principal, RequestMeta, constant_time_eq, sha256_hex};
use crate::context::AppContext;
use crate::domain::Phone;
use crate::error::{ServiceError, ServiceResult};
use crate::store;

/// What a login can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Event {
    /// A new offer (contractors): push at once; SMS if an urgent one sits unopened.
    Offer,
    /// A job past its contact deadline or idle too long.
    JobOverdue,
    /// A certification expiring within 30 days (contractors).
    CertExpiring,
    /// A payout sent to the bank (contractors).
    PayoutSent,
    /// A lead nobody took, back in the admin queue (admins).
    UnassignedLead,
}

impl Event {
    pub const ALL: [Event; 5] =
        [Event::Offer, Event::JobOverdue, Event::CertExpiring, Event::PayoutSent, Event::UnassignedLead];

    /// The channels an event uses until the user chooses.
    pub fn default_channels(self) -> Vec<NotificationChannel> {
        use NotificationChannel::*;
        match self {
            Event::Offer => vec![Push, Sms],
            Event::JobOverdue | Event::UnassignedLead => vec![Push, Email],
            Event::CertExpiring | Event::PayoutSent => vec![Email],
        }
    }
}

/// A login's settings as they apply (defaults filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub email_verified: bool,
    pub time_zone: Option<String>,
    /// Minutes after local midnight: start inclusive, end exclusive; may wrap past midnight.
    pub quiet_hours: Option<(i32, i32)>,
    pub choices: BTreeMap<Event, Vec<NotificationChannel>>,
}

fn parse_choices(raw: &str) -> BTreeMap<Event, Vec<NotificationChannel>> {
    serde_json::from_str(raw).unwrap_or_default()
}

fn effective(row: Option<&notification_settings::Model>) -> Settings {
    let mut choices = row.map(|r| parse_choices(&r.choices)).unwrap_or_default();
    for e in Event::ALL {
        choices.entry(e).or_insert_with(|| e.default_channels());
    }
    Settings {
        phone: row.and_then(|r| r.phone.clone()),
        phone_verified: row.is_some_and(|r| r.phone.is_some() && r.phone_verified_at.is_some()),
        email_verified: row.is_some_and(|r| r.email_verified_at.is_some()),
        time_zone: row.and_then(|r| r.time_zone.clone()),
        quiet_hours: row.and_then(|r| r.quiet_start_minute.zip(r.quiet_end_minute)),
        choices,
    }
}

async fn row(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Option<notification_settings::Model>> {
    Ok(notification_settings::Entity::find_by_id(user_id).one(db).await?)
}

/// Whether `at` falls in the quiet hours, on the user's clock.
pub fn is_quiet(s: &Settings, default_zone: chrono_tz::Tz, at: DateTime<Utc>) -> bool {
    let Some((start, end)) = s.quiet_hours else { return false };
    let zone = s.time_zone.as_deref().and_then(crate::domain::zones::parse_zone).unwrap_or(default_zone);
    let local = at.with_timezone(&zone);
    let m = (local.hour() * 60 + local.minute()) as i32;
    if start <= end { start <= m && m < end } else { m >= start || m < end }
}

impl Settings {
    /// Whether this user wants this event on this channel at `at`: it chose the channel, the
    /// contact is verified (for SMS and email), and it is not quiet hours (unless it is an
    /// emergency offer). Quiet hours are on the user's clock, `default_zone` when it has not said.
    pub fn wants(
        &self,
        default_zone: chrono_tz::Tz,
        event: Event,
        channel: NotificationChannel,
        urgency: Urgency,
        at: DateTime<Utc>,
    ) -> bool {
        if !self.choices.get(&event).is_some_and(|c| c.contains(&channel)) {
            return false;
        }
        let verified = match channel {
            NotificationChannel::Push => true,
            NotificationChannel::Sms => self.phone_verified,
            NotificationChannel::Email => self.email_verified,
        };
        let emergency = event == Event::Offer && urgency == Urgency::Emergency;
        verified && (emergency || !is_quiet(self, default_zone, at))
    }

    /// The phone, once verified.
    pub fn verified_phone(&self) -> Option<&str> {
        self.phone.as_deref().filter(|_| self.phone_verified)
    }
}

fn own_user(meta: &RequestMeta) -> ServiceResult<Uuid> {
    meta.principal.require_authenticated()?;
    match &meta.principal {
        Principal::User { user_id, .. } => Ok(*user_id),
        _ => Err(ServiceError::Forbidden("alert settings belong to a login; an API key has none".into())),
    }
}

/// A login's settings as they apply now.
pub async fn get_for(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Settings> {
    Ok(effective(row(db, user_id).await?.as_ref()))
}

/// The caller's settings.
pub async fn get(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Settings> {
    let user = own_user(meta)?;
    Ok(effective(row(&ctx.db, user).await?.as_ref()))
}

/// A change to one's settings; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    /// `Some("")` removes the phone.
    pub phone: Option<String>,
    /// `Some("")` goes back to NRP's zone.
    pub time_zone: Option<String>,
    /// `Some(None)` turns quiet hours off; `"HH:MM"` each.
    pub quiet_hours: Option<Option<(String, String)>>,
    pub choices: Option<Vec<(Event, Vec<NotificationChannel>)>>,
}

fn minute_of(hhmm: &str, field: &str) -> ServiceResult<i32> {
    let bad = || ServiceError::validation(field, "give the time as HH:MM, 24-hour (22:00)");
    let (h, m) = hhmm.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) || m.to_string().len() > 2 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// A settings row with nothing chosen yet (the defaults apply).
fn blank(user_id: Uuid, now: DateTime<Utc>) -> notification_settings::ActiveModel {
    notification_settings::ActiveModel {
        user_id: Set(user_id),
        phone: Set(None),
        phone_verified_at: Set(None),
        email_verified_at: Set(None),
        time_zone: Set(None),
        quiet_start_minute: Set(None),
        quiet_end_minute: Set(None),
        choices: Set("{}".into()),
        updated_at: Set(now),
    }
}

/// Records that the login's email address is proven (a code or a link sent to it came back).
pub async fn mark_email_proven(db: &impl ConnectionTrait, user_id: Uuid, at: DateTime<Utc>) -> ServiceResult<()> {
    let current = row(db, user_id).await?;
    let exists = current.is_some();
    let mut am = match current {
        Some(r) => notification_settings::ActiveModel::from(r),
        None => blank(user_id, at),
    };
    am.email_verified_at = Set(Some(at));
    am.updated_at = Set(at);
    if exists {
        am.update(db).await?;
    } else {
        am.insert(db).await?;
    }
    Ok(())
}

/// Forgets that the login's email was proven (the address changed).
pub async fn forget_email_proof(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<()> {
    notification_settings::Entity::update_many()
        .col_expr(notification_settings::Column::EmailVerifiedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(notification_settings::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether the login's email address is proven.
pub async fn email_proven(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<bool> {
    Ok(row(db, user_id).await?.is_some_and(|r| r.email_verified_at.is_some()))
}

/// Changes the caller's settings. A new phone must be verified again before it gets anything.
pub async fn update(ctx: &AppContext, meta: &RequestMeta, u: SettingsUpdate) -> ServiceResult<Settings> {
    let user = own_user(meta)?;
    let phone = match u.phone.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(p) => Some(Some(Phone::parse(p).map_err(|m| ServiceError::validation("input.phone", m))?.into_inner())),
    };
    let zone = match u.time_zone.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(z) => {
            crate::domain::zones::parse_zone(z)
                .ok_or_else(|| ServiceError::validation("input.timeZone", "not an IANA time zone (Australia/Perth)"))?;
            Some(Some(z.to_string()))
        }
    };
    let quiet = match &u.quiet_hours {
        None => None,
        Some(None) => Some(None),
        Some(Some((start, end))) => {
            let (s, e) = (minute_of(start, "input.quietHours.start")?, minute_of(end, "input.quietHours.end")?);
            if s == e {
                return Err(ServiceError::validation("input.quietHours.end", "quiet hours must end at another time"));
            }
            Some(Some((s, e)))
        }
    };
    if let Some(choices) = &u.choices {
        for (event, channels) in choices {
            if *event == Event::Offer
                && !channels.contains(&NotificationChannel::Push)
                && !channels.contains(&NotificationChannel::Sms)
            {
                return Err(ServiceError::validation(
                    "input.choices",
                    "offers last minutes: keep push or SMS on for them (pause offers on your profile instead)",
                ));
            }
        }
    }
    let txn = ctx.db.begin().await?;
    let existing = row(&txn, user).await?;
    let now = Utc::now();
    let mut choices = existing.as_ref().map(|r| parse_choices(&r.choices)).unwrap_or_default();
    if let Some(new) = &u.choices {
        for (event, channels) in new {
            let mut c = channels.clone();
            c.dedup();
            choices.insert(*event, c);
        }
    }
    let mut am = match &existing {
        Some(r) => notification_settings::ActiveModel::from(r.clone()),
        None => blank(user, now),
    };
    if let Some(p) = phone {
        if existing.as_ref().and_then(|r| r.phone.clone()) != p {
            am.phone_verified_at = Set(None);
        }
        am.phone = Set(p);
    }
    if let Some(z) = zone {
        am.time_zone = Set(z);
    }
    if let Some(q) = quiet {
        am.quiet_start_minute = Set(q.map(|q| q.0));
        am.quiet_end_minute = Set(q.map(|q| q.1));
    }
    am.choices = Set(serde_json::to_string(&choices).unwrap_or_else(|_| "{}".into()));
    am.updated_at = Set(now);
    let saved = if existing.is_some() { am.update(&txn).await? } else { am.insert(&txn).await? };
    super::super::audit::record(&txn, meta, "notifications.settings_changed", "user", Some(user), json!({
        "phoneChanged": u.phone.is_some(), "timeZone": saved.time_zone, "quietHours": [saved.quiet_start_minute, saved.quiet_end_minute],
    }))
    .await?;
    txn.commit().await?;
    Ok(effective(Some(&saved)))
}

fn code_hash(user: Uuid, channel: NotificationChannel, code: &str) -> String {
    sha256_hex(&format!("{user}:{channel:?}:{code}"))
}

/// The template of one-time codes, and what the log shows of one once it is sent.
pub const CODE_TEMPLATE: &str = "contact.verify";
pub const CODE_HIDDEN: &str = "(a one-time code or link, not kept)";

const CODE_TTL_MINUTES: i64 = 10;
const CODE_TRIES: i32 = 5;

/// Sends a one-time code to the caller's phone (SMS) or login email, to prove it reaches them.
/// At most five an hour per login.
pub async fn request_verification(
    ctx: &AppContext,
    meta: &RequestMeta,
    channel: NotificationChannel,
) -> ServiceResult<String> {
    let user_id = own_user(meta)?;
    if !ctx.channels.has(channel) || channel == NotificationChannel::Push {
        return Err(ServiceError::validation(
            "channel",
            "that channel cannot be verified here (SMS or EMAIL, when configured)",
        ));
    }
    crate::access::limits::throttle(ctx, &format!("verify:{user_id}"), 5, std::time::Duration::from_secs(3600)).await?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    let destination = match channel {
        NotificationChannel::Sms => row(&ctx.db, user_id)
            .await?
            .and_then(|r| r.phone)
            .ok_or_else(|| ServiceError::validation("channel", "add a phone number to your alert settings first"))?,
        _ => user.email.clone(),
    };
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    // A new code replaces any earlier one.
    contact_verification::Entity::update_many()
        .col_expr(contact_verification::Column::UsedAt, Expr::value(Some(now)))
        .filter(contact_verification::Column::UserId.eq(user_id))
        .filter(contact_verification::Column::Channel.eq(channel))
        .filter(contact_verification::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    contact_verification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        channel: Set(channel),
        destination: Set(destination.clone()),
        code_hash: Set(code_hash(user_id, channel, &code)),
        attempts: Set(0),
        expires_at: Set(now + chrono::Duration::minutes(CODE_TTL_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let text = format!("Your National Recovery Partners code is {code}. It expires in {CODE_TTL_MINUTES} minutes.");
    let message = Rendered {
        subject: format!("Your code: {code}"),
        html: Some(format!(
            "<!doctype html><html lang=\"en-AU\"><body style=\"font-family:system-ui,sans-serif\"><p>Your National \
             Recovery Partners code is</p><p style=\"font-size:2em;letter-spacing:.2em\"><b>{code}</b></p><p>It \
             expires in {CODE_TTL_MINUTES} minutes. If you didn't ask for it, ignore this email.</p></body></html>"
        )),
        text,
    };
    let mut n = Outgoing::new(channel, CODE_TEMPLATE, NotificationAudience::User, destination.clone(), message);
    n.user_id = Some(user_id);
    enqueue(ctx, &txn, vec![n]).await?;
    super::super::audit::record(
        &txn,
        meta,
        "notifications.verification_sent",
        "user",
        Some(user_id),
        json!({ "channel": channel }),
    )
    .await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(super::templates::masked(channel, &destination))
}

/// Checks a code; on success the phone or email is verified.
pub async fn confirm_verification(
    ctx: &AppContext,
    meta: &RequestMeta,
    channel: NotificationChannel,
    code: &str,
) -> ServiceResult<Settings> {
    let user_id = own_user(meta)?;
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(ServiceError::validation("code", "the code is six digits"));
    }
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    let pending = contact_verification::Entity::find()
        .filter(contact_verification::Column::UserId.eq(user_id))
        .filter(contact_verification::Column::Channel.eq(channel))
        .filter(contact_verification::Column::UsedAt.is_null())
        .order_by_desc(contact_verification::Column::Id)
        .one(&txn)
        .await?
        .filter(|v| v.expires_at > now && v.attempts < CODE_TRIES)
        .ok_or_else(|| {
            ServiceError::validation("code", "no code is waiting (it may have expired): ask for a new one")
        })?;
    // Every try counts, atomically: parallel guesses cannot share one count.
    let counted = contact_verification::Entity::update_many()
        .col_expr(contact_verification::Column::Attempts, Expr::col(contact_verification::Column::Attempts).add(1))
        .filter(contact_verification::Column::Id.eq(pending.id))
        .filter(contact_verification::Column::Attempts.lt(CODE_TRIES))
        .filter(contact_verification::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !counted {
        txn.commit().await?;
        return Err(ServiceError::validation("code", "no code is waiting (it may have expired): ask for a new one"));
    }
    if !constant_time_eq(pending.code_hash.as_bytes(), code_hash(user_id, channel, code).as_bytes()) {
        txn.commit().await?;
        let left = CODE_TRIES - pending.attempts - 1;
        return Err(ServiceError::validation(
            "code",
            if left > 0 {
                format!("that code is not right ({left} tries left)")
            } else {
                "that code is not right; ask for a new one".into()
            },
        ));
    }
    let current = row(&txn, user_id).await?;
    let user = store::users::find(&txn, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    let still_there = match channel {
        NotificationChannel::Sms => {
            current.as_ref().and_then(|r| r.phone.as_deref()) == Some(pending.destination.as_str())
        }
        _ => user.email == pending.destination,
    };
    if !still_there {
        return Err(ServiceError::validation("code", "that code was for another number or address; ask for a new one"));
    }
    let first_use = contact_verification::Entity::update_many()
        .col_expr(contact_verification::Column::UsedAt, Expr::value(Some(now)))
        .filter(contact_verification::Column::Id.eq(pending.id))
        .filter(contact_verification::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !first_use {
        return Err(ServiceError::validation("code", "that code was used already"));
    }
    let exists = current.is_some();
    let mut am = match current {
        Some(r) => notification_settings::ActiveModel::from(r),
        None => blank(user_id, now),
    };
    match channel {
        NotificationChannel::Sms => am.phone_verified_at = Set(Some(now)),
        _ => am.email_verified_at = Set(Some(now)),
    }
    am.updated_at = Set(now);
    let saved = if exists { am.update(&txn).await? } else { am.insert(&txn).await? };
    super::super::audit::record(
        &txn,
        meta,
        "notifications.contact_verified",
        "user",
        Some(user_id),
        json!({ "channel": channel }),
    )
    .await?;
    txn.commit().await?;
    Ok(effective(Some(&saved)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_wrap_past_midnight_on_the_users_clock() {
        let mut s = effective(None);
        s.quiet_hours = Some((22 * 60, 7 * 60));
        s.time_zone = Some("Australia/Perth".into());
        let at = |iso: &str| DateTime::parse_from_rfc3339(iso).unwrap().with_timezone(&Utc);
        // 23:30 and 06:59 in Perth are quiet; 07:00 and 21:59 are not.
        assert!(is_quiet(&s, chrono_tz::Australia::Sydney, at("2026-12-07T15:30:00Z")));
        assert!(is_quiet(&s, chrono_tz::Australia::Sydney, at("2026-12-07T22:59:00Z")));
        assert!(!is_quiet(&s, chrono_tz::Australia::Sydney, at("2026-12-07T23:00:00Z")));
        assert!(!is_quiet(&s, chrono_tz::Australia::Sydney, at("2026-12-07T13:59:00Z")));
        assert_eq!(minute_of("07:30", "f").unwrap(), 450);
        assert!(minute_of("24:00", "f").is_err() && minute_of("7", "f").is_err() && minute_of("07:5x", "f").is_err());
    }
}

//! The demo's history: about 90 days of a working network, so a newcomer's first look at the
//! dashboard, the lists and the contractor's inbox shows a business, not empty screens. Every
//! lead is told through the services a real day uses (intake, routing, offers declined, expired
//! and accepted, jobs worked stage by stage, claims lodged and decided, payouts recorded), so the
//! data keeps every rule the product keeps; each step is then moved back to the moment of the
//! story it tells (a [`Rewind`]). The choices come from a fixed seed: the same story every time.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, SubsecRound, Utc};
use entities::{
    ClaimStatus, DamageType, DeliveryStatus, JobStatus, LeadStatus, NotificationStatus, OfferStatus, PartnerKind,
    PayoutStatus, Role, Urgency, audit_entry, claim, job, job_event, lead, notification, offer, payout, payout_batch,
    webhook_attempt, webhook_delivery,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::auth::{Principal, RequestMeta};
use crate::context::AppContext;
use crate::domain::{Email, Phone, Postcode};
use crate::error::{ServiceError, ServiceResult};
use crate::services::{claims, jobs, leads, offers};
use crate::store;

/// How many days the story covers, and how many leads it tells.
const DAYS: i64 = 90;
const LEADS: usize = 130;
/// The seed of every choice.
const SEED: u64 = 20_261_203;

/// Story time for real time. The seed runs each step of a lead's story now, in order; a step
/// marked with [`Rewind::at`] tells of that moment, so everything the step wrote (a timestamp at
/// or after the mark, before the next) moves back by the same distance.
struct Rewind {
    start: DateTime<Utc>,
    steps: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Rewind {
    fn begin() -> Self {
        Rewind { start: Utc::now().trunc_subsecs(6), steps: Vec::new() }
    }

    /// What runs from now on happens, in the story, at `story`.
    fn at(&mut self, story: DateTime<Utc>) {
        self.steps.push((Utc::now().trunc_subsecs(6), story));
    }

    fn map(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        match self.steps.iter().rev().find(|(real, _)| *real <= t) {
            Some((real, story)) if t >= self.start => *story + (t - *real),
            _ => t,
        }
    }

    fn map_opt(&self, t: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        t.map(|t| self.map(t))
    }

    /// A deadline set as "`anchor` plus a while" (an offer's expiry, a contact deadline): it
    /// moves with its anchor, unless the story itself set it (then it moves as written).
    fn deadline(&self, t: DateTime<Utc>, anchor: DateTime<Utc>, end: DateTime<Utc>) -> DateTime<Utc> {
        if t <= end { self.map(t) } else { self.map(anchor) + (t - anchor) }
    }

    /// Moves every row the story wrote since it began back to the story's moments; returns the
    /// audit entries it moved, with their story times.
    async fn apply(&self, db: &impl ConnectionTrait) -> Result<Vec<(DateTime<Utc>, Uuid)>, DbErr> {
        let end = Utc::now();
        let since = self.start;
        for l in lead::Entity::find().filter(lead::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: lead::ActiveModel = l.clone().into();
            am.created_at = Set(self.map(l.created_at));
            am.updated_at = Set(self.map(l.updated_at));
            am.first_offered_at = Set(self.map_opt(l.first_offered_at));
            am.assigned_at = Set(self.map_opt(l.assigned_at));
            am.completed_at = Set(self.map_opt(l.completed_at));
            am.update(db).await?;
        }
        for o in offer::Entity::find().filter(offer::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: offer::ActiveModel = o.clone().into();
            am.created_at = Set(self.map(o.created_at));
            am.expires_at = Set(self.deadline(o.expires_at, o.created_at, end));
            am.responded_at = Set(self.map_opt(o.responded_at));
            am.seen_at = Set(self.map_opt(o.seen_at));
            am.update(db).await?;
        }
        for j in job::Entity::find().filter(job::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: job::ActiveModel = j.clone().into();
            am.created_at = Set(self.map(j.created_at));
            am.updated_at = Set(self.map(j.updated_at));
            am.scheduled_for = Set(j.scheduled_for.map(|t| self.deadline(t, j.created_at, end)));
            am.contacted_at = Set(self.map_opt(j.contacted_at));
            am.started_at = Set(self.map_opt(j.started_at));
            am.completed_at = Set(self.map_opt(j.completed_at));
            am.contact_due_at = Set(j.contact_due_at.map(|t| self.deadline(t, j.created_at, end)));
            am.stage_entered_at = Set(self.map_opt(j.stage_entered_at));
            am.overdue_flagged_at = Set(self.map_opt(j.overdue_flagged_at));
            am.update(db).await?;
        }
        for e in job_event::Entity::find().filter(job_event::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: job_event::ActiveModel = e.clone().into();
            am.created_at = Set(self.map(e.created_at));
            am.captured_at = Set(self.map_opt(e.captured_at));
            am.update(db).await?;
        }
        let claimed = claim::Entity::find().filter(claim::Column::CreatedAt.gte(since)).all(db).await?;
        let places = store::leads::by_id(db, claimed.iter().map(|c| c.lead_id)).await?;
        for c in claimed {
            let mut am: claim::ActiveModel = c.clone().into();
            let lodged = self.map(c.lodged_at);
            let zone = places
                .get(&c.lead_id)
                .map_or(chrono_tz::Australia::Sydney, |l| crate::domain::zones::zone_of(&l.state, &l.postcode));
            let (due_on, due_at) = claims::decision_due(lodged, zone);
            am.lodged_at = Set(lodged);
            am.decision_due_on = Set(due_on);
            am.decision_due_at = Set(Some(due_at));
            am.decided_at = Set(self.map_opt(c.decided_at));
            am.settled_at = Set(self.map_opt(c.settled_at));
            am.created_at = Set(self.map(c.created_at));
            am.updated_at = Set(self.map(c.updated_at));
            am.update(db).await?;
        }
        for p in payout::Entity::find().filter(payout::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: payout::ActiveModel = p.clone().into();
            am.created_at = Set(self.map(p.created_at));
            am.updated_at = Set(self.map(p.updated_at));
            am.paid_at = Set(self.map_opt(p.paid_at));
            am.lease_until = Set(p.lease_until.map(|t| self.deadline(t, p.updated_at, end)));
            am.update(db).await?;
        }
        for d in webhook_delivery::Entity::find().filter(webhook_delivery::Column::CreatedAt.gte(since)).all(db).await?
        {
            let mut am: webhook_delivery::ActiveModel = d.clone().into();
            let created = self.map(d.created_at);
            am.created_at = Set(created);
            am.next_attempt_at = Set(self.deadline(d.next_attempt_at, d.created_at, end));
            am.delivered_at = Set(self.map_opt(d.delivered_at));
            // The envelope says when the event happened, as the partner reads it.
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&d.payload) {
                v["createdAt"] = serde_json::json!(created);
                am.payload = Set(v.to_string());
            }
            am.update(db).await?;
        }
        for a in webhook_attempt::Entity::find().filter(webhook_attempt::Column::At.gte(since)).all(db).await? {
            let mut am: webhook_attempt::ActiveModel = a.clone().into();
            am.at = Set(self.map(a.at));
            am.update(db).await?;
        }
        for n in notification::Entity::find().filter(notification::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: notification::ActiveModel = n.clone().into();
            am.created_at = Set(self.map(n.created_at));
            am.next_attempt_at = Set(self.deadline(n.next_attempt_at, n.created_at, end));
            am.sent_at = Set(self.map_opt(n.sent_at));
            am.update(db).await?;
        }
        let mut audited = Vec::new();
        for e in audit_entry::Entity::find().filter(audit_entry::Column::CreatedAt.gte(since)).all(db).await? {
            let mut am: audit_entry::ActiveModel = e.clone().into();
            let at = self.map(e.created_at);
            am.created_at = Set(at);
            am.update(db).await?;
            audited.push((at, e.id));
        }
        Ok(audited)
    }
}

/// Who acts in the story.
pub(super) struct Cast {
    pub admin: (Uuid, String),
    pub insurer: (Uuid, Uuid),
    pub lead_source: (Uuid, Uuid),
    /// Each contractor's owner login: contractor id → (user id, email).
    pub contractors: HashMap<Uuid, (Uuid, String)>,
    /// The contractor the README signs in as, who gets the live offer.
    pub demo_contractor: Uuid,
}

impl Cast {
    fn admin(&self) -> RequestMeta {
        user(self.admin.0, &self.admin.1, Role::Admin, None)
    }

    fn contractor(&self, id: Uuid) -> RequestMeta {
        let (user_id, email) = &self.contractors[&id];
        user(*user_id, email, Role::Contractor, Some(id))
    }

    fn partner(&self, (partner_id, key_id): (Uuid, Uuid), kind: PartnerKind) -> RequestMeta {
        meta(Principal::ApiKey {
            key_id,
            partner_id,
            partner_kind: kind,
            label: "demo integration".into(),
            rate_limit_per_minute: None,
        })
    }
}

fn meta(principal: Principal) -> RequestMeta {
    RequestMeta { principal, request_id: None, client_ip: None, user_agent: Some("nrp-server seed-demo".into()) }
}

fn user(user_id: Uuid, email: &str, role: Role, contractor_id: Option<Uuid>) -> RequestMeta {
    meta(Principal::User {
        user_id,
        email: email.into(),
        role,
        contractor_id,
        partner_id: None,
        session_id: None,
        enrol_first: false,
        staff: false,
    })
}

/// Where the story's customers live: a demo postcode, its suburb and state, and streets in it.
const PLACES: &[(&str, &str, &str)] = &[
    ("2000", "Sydney", "NSW"),
    ("2010", "Darlinghurst", "NSW"),
    ("2017", "Waterloo", "NSW"),
    ("2035", "Maroubra", "NSW"),
    ("2067", "Chatswood", "NSW"),
    ("2150", "Parramatta", "NSW"),
    ("2170", "Liverpool", "NSW"),
    ("2200", "Bankstown", "NSW"),
    ("2750", "Penrith", "NSW"),
    ("3000", "Melbourne", "VIC"),
    ("3053", "Carlton", "VIC"),
    ("3121", "Richmond", "VIC"),
    ("3150", "Glen Waverley", "VIC"),
    ("3199", "Frankston", "VIC"),
    ("4000", "Brisbane", "QLD"),
    ("4101", "South Brisbane", "QLD"),
    ("4120", "Greenslopes", "QLD"),
    ("4217", "Surfers Paradise", "QLD"),
    ("4300", "Springfield", "QLD"),
    ("4500", "Strathpine", "QLD"),
    ("6000", "Perth", "WA"),
    ("6050", "Mount Lawley", "WA"),
    ("6160", "Fremantle", "WA"),
    ("5000", "Adelaide", "SA"),
];

const STREETS: &[&str] = &[
    "George St",
    "Victoria Rd",
    "Church St",
    "High St",
    "Station St",
    "Park Ave",
    "King St",
    "Railway Pde",
    "Albert St",
    "Queen St",
    "Smith St",
    "Beach Rd",
];

const FIRST: &[&str] = &[
    "Olivia",
    "Jack",
    "Charlotte",
    "Noah",
    "Amelia",
    "William",
    "Isla",
    "Oliver",
    "Mia",
    "Thomas",
    "Ava",
    "James",
    "Grace",
    "Lucas",
    "Chloe",
    "Henry",
    "Zoe",
    "Ethan",
    "Ruby",
    "Leo",
    "Priya",
    "Wei",
    "Aisha",
    "Nikos",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Kelly",
    "Papadopoulos",
    "Singh",
    "Chen",
    "Murphy",
    "O'Brien",
    "Ryan",
];

fn story_of(d: DamageType, n: usize) -> &'static str {
    let told: &[&str] = match d {
        DamageType::Water => &[
            "Burst flexi hose under the kitchen sink; water through to the living room carpet",
            "Hot water system leaked overnight into the garage and laundry",
            "Washing machine overflowed upstairs; ceiling below is sagging",
            "Shower recess leaking into the bedroom wall; skirting boards swollen",
        ],
        DamageType::Fire => &[
            "Kitchen fire on the cooktop; smoke damage through the hallway and lounge",
            "Electrical fire in the garage; soot on the ceiling and the internal door",
            "Candle fire in a bedroom; curtains and carpet burnt, smoke smell throughout",
        ],
        DamageType::Mould => &[
            "Black mould across the bathroom ceiling after a slow roof leak",
            "Mould behind the wardrobes in two bedrooms; musty smell",
            "Mould on the walls of a rental after the tenant moved out",
        ],
        DamageType::Storm => &[
            "Tree branch through the roof in last night's storm; rain coming into the lounge",
            "Hail broke the skylights; water on the kitchen floor",
            "Storm lifted roof sheeting; ceiling stained in three rooms",
        ],
    };
    told[n % told.len()]
}

/// What becomes of a lead, before time cuts its story short.
#[derive(Clone, Copy, PartialEq)]
enum Fate {
    /// Worked to completion (or as far as the story has got).
    Done,
    /// The first contractor offered declines; another takes it.
    DeclinedFirst,
    /// Nobody answers the first wave; it expires and the next wave is taken.
    ExpiredFirst,
    /// Stops once the customer is contacted or the damage inspected: a fresh job.
    Early,
    /// Stops before the contractor makes contact (a missed contact deadline once it passes).
    NoContact,
    /// Stops at the quote, waiting for approval (idle once a week passes).
    StallsAtQuote,
    /// The contractor cancels the job; the lead goes back to the queue and is cancelled.
    JobCancelled,
    /// Nobody covers it: it waits in the unassigned queue, and an admin assigns it when it is old.
    Uncovered,
    /// The customer rang twice: the second lead is a duplicate of the first.
    Duplicate,
    /// The customer sorts it out themselves before anyone is assigned.
    LeadCancelled,
}

/// What the story made, for the report.
#[derive(Debug, Default)]
pub struct History {
    pub leads: usize,
    pub jobs: usize,
    pub claims: usize,
    pub payouts: usize,
}

/// Tells the story into a database that holds the demo network (see `demo::seed`).
pub(super) async fn tell(ctx: &AppContext, cast: &Cast) -> ServiceResult<History> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let now = Utc::now();
    let mut told = History::default();
    let insurer = cast.partner(cast.insurer, PartnerKind::Insurer);
    let source = cast.partner(cast.lead_source, PartnerKind::LeadSource);
    let admin = cast.admin();
    let horizon = now - Duration::hours(1);
    let mut audited = Vec::new();
    for i in 0..LEADS {
        // Spread over the days, most recent last, more of them lately (a growing business);
        // the last few today, hours apart.
        let days_ago = (DAYS as f64 * (1.0 - i as f64 / LEADS as f64).powf(1.5)).round() as i64;
        let start = if days_ago <= 1 && i >= LEADS - 4 {
            now - Duration::minutes(60 * (LEADS - i) as i64 + rng.gen_range(0..40))
        } else {
            // Counted back from now, not from a calendar day, so the story has got as far
            // whatever the time of day it is told.
            now - Duration::days(days_ago) - Duration::minutes(rng.gen_range(0..12 * 60))
        };
        // Chance makes most of the story; a few leads are written in, so every part of it is
        // there whatever the draws (an insured job cancelled and its claim declined, an
        // insurer's claim waiting past its decision date, fresh work not yet contacted).
        let written = SCRIPT.iter().find(|(at, _)| *at == i).map(|(_, f)| *f);
        let fate = written.unwrap_or(pick_fate(&mut rng, days_ago));
        let (place, damage) = place_and_damage(&mut rng, fate);
        let urgency =
            *[Urgency::Low, Urgency::Medium, Urgency::Medium, Urgency::High, Urgency::High, Urgency::Emergency]
                .choose(&mut rng)
                .unwrap_or(&Urgency::Medium);
        let by_insurer = rng.gen_bool(0.55) || written.is_some();
        let by_phone = !by_insurer && rng.gen_bool(0.35);
        let mut twin = rng.clone(); // the same customer again, for a duplicate
        let input = customer(&mut rng, i, place, damage, urgency, by_insurer.then_some(i))?;
        let caller = if by_insurer {
            &insurer
        } else if by_phone {
            &admin
        } else {
            &source
        };
        let mut rw = Rewind::begin();
        rw.at(start);
        let l = leads::create(ctx, caller, input).await?;
        told.leads += 1;
        let again_at = start + Duration::minutes(rng.gen_range(20..180));
        if fate == Fate::Duplicate && again_at < horizon {
            rw.at(again_at);
            // The same customer and damage (without the claim number, which is the first's).
            let again = customer(&mut twin, i, place, damage, urgency, None)?;
            leads::create(ctx, caller, again).await?;
            told.leads += 1;
        }
        let t = play(ctx, cast, &mut rng, &mut rw, &l, fate, start, now).await?;
        told.jobs += t.jobs;
        told.claims += t.claims;
        told.payouts += t.payouts;
        let txn = sea_orm::TransactionTrait::begin(&ctx.db).await?;
        audited.extend(rw.apply(&txn).await?);
        txn.commit().await?;
    }
    settle_history(ctx, &mut rng, now).await?;
    let txn = sea_orm::TransactionTrait::begin(&ctx.db).await?;
    rekey_audit(&txn, &mut rng, audited).await?;
    txn.commit().await?;
    live_offer(ctx, cast, &insurer).await?;
    told.leads += 1;
    super::audit::record(
        &ctx.db,
        &RequestMeta::system(),
        TOLD,
        "system",
        None,
        serde_json::json!({ "leads": told.leads, "jobs": told.jobs, "claims": told.claims, "payouts": told.payouts }),
    )
    .await?;
    Ok(told)
}

/// The audit action that says the story was told to its end.
pub(super) const TOLD: &str = "demo.history_told";

/// The audit log pages by its ids (time-ordered UUIDv7), which the seed made in the order it ran,
/// not in the story's: each entry the story wrote gets an id of its story time.
async fn rekey_audit(
    db: &impl ConnectionTrait,
    rng: &mut StdRng,
    mut audited: Vec<(DateTime<Utc>, Uuid)>,
) -> ServiceResult<()> {
    audited.sort();
    // Entries of one millisecond keep their order through a counter in the 12 bits after the
    // time, as version 7 allows.
    let (mut last_ms, mut seq) = (i64::MIN, 0u16);
    for (at, old) in audited {
        let ms = at.timestamp_millis();
        seq = if ms == last_ms { seq.saturating_add(1).min(0x0fff) } else { 0 };
        last_ms = ms;
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            u64::try_from(at.timestamp()).unwrap_or_default(),
            at.timestamp_subsec_nanos(),
        );
        // The version 7 layout with the story's time; the random bits from the story's seed.
        let mut bytes = *Uuid::new_v7(ts).as_bytes();
        let noise: [u8; 10] = rng.r#gen();
        bytes[6] = (bytes[6] & 0xf0) | ((seq >> 8) as u8 & 0x0f);
        bytes[7] = (seq & 0xff) as u8;
        bytes[8] = (bytes[8] & 0xc0) | (noise[2] & 0x3f);
        bytes[9..16].copy_from_slice(&noise[3..10]);
        audit_entry::Entity::update_many()
            .col_expr(audit_entry::Column::Id, Expr::value(Uuid::from_bytes(bytes)))
            .filter(audit_entry::Column::Id.eq(old))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The leads whose fate is written, not drawn (all sent in by the insurer).
const SCRIPT: &[(usize, Fate)] =
    &[(30, Fate::JobCancelled), (62, Fate::JobCancelled), (88, Fate::StallsAtQuote), (LEADS - 7, Fate::NoContact)];

fn pick_fate(rng: &mut StdRng, days_ago: i64) -> Fate {
    let roll = rng.gen_range(0..100);
    match (days_ago, roll) {
        (_, 0..=4) => Fate::Duplicate,
        (_, 5..=9) => Fate::Uncovered,
        (_, 10..=13) => Fate::JobCancelled,
        (d, 14..=16) if d > 2 => Fate::LeadCancelled,
        (_, 17..=32) => Fate::DeclinedFirst,
        (_, 33..=42) => Fate::ExpiredFirst,
        (0..=4, 43..=75) => Fate::Early,
        (2..=5, 76..=84) => Fate::NoContact,
        (8..=25, 43..=52) => Fate::StallsAtQuote,
        _ => Fate::Done,
    }
}

/// Where and what: a place some contractor covers for the damage, except for an uncovered lead
/// (mould on the Gold Coast, where only storm and fire are covered).
fn place_and_damage(rng: &mut StdRng, fate: Fate) -> (&'static (&'static str, &'static str, &'static str), DamageType) {
    if fate == Fate::Uncovered {
        return (&PLACES[17], DamageType::Mould);
    }
    loop {
        let place = PLACES.choose(rng).unwrap_or(&PLACES[0]);
        let damage = *[
            DamageType::Water,
            DamageType::Water,
            DamageType::Water,
            DamageType::Storm,
            DamageType::Fire,
            DamageType::Mould,
        ]
        .choose(rng)
        .unwrap_or(&DamageType::Water);
        let covered = match (place.2, damage) {
            ("QLD", DamageType::Mould) => place.0 != "4217",
            ("VIC", DamageType::Storm) => true,
            ("NSW", DamageType::Mould) => true,
            ("SA", DamageType::Mould) => false,
            _ => true,
        };
        if covered {
            return (place, damage);
        }
    }
}

fn customer(
    rng: &mut StdRng,
    i: usize,
    place: &(&str, &str, &str),
    damage: DamageType,
    urgency: Urgency,
    claim: Option<usize>,
) -> ServiceResult<leads::LeadInput> {
    let first = FIRST.choose(rng).copied().unwrap_or("Sam");
    let last = LAST.choose(rng).copied().unwrap_or("Citizen");
    let invalid = |m: String| ServiceError::Internal(anyhow::anyhow!("demo data: {m}"));
    Ok(leads::LeadInput {
        customer_name: format!("{first} {last}"),
        // One number per customer, so no two of the story's customers look like one.
        customer_phone: Phone::parse(&format!("0413 {:03} {:03}", 100 + i / 1000, i % 1000)).map_err(invalid)?,
        customer_email: Some(
            Email::parse(&format!(
                "{}.{}{i}@home.example",
                first.to_lowercase(),
                last.to_lowercase().replace('\'', "")
            ))
            .map_err(invalid)?,
        ),
        address: format!("{} {}", rng.gen_range(1..240), STREETS.choose(rng).copied().unwrap_or("High St")),
        suburb: place.1.into(),
        state: place.2.into(),
        postcode: Postcode::parse(place.0).map_err(invalid)?,
        coordinates: None,
        damage_type: damage,
        urgency,
        estimated_value_cents: Some(rng.gen_range(15..400) * 10_000),
        claim_number: claim.map(|n| format!("HM-2026-{:05}", 1000 + n)),
        insurer_id: None,
        description: story_of(damage, i).into(),
    })
}

#[derive(Default)]
struct Played {
    jobs: usize,
    claims: usize,
    payouts: usize,
}

/// One lead's story from intake, step by step, each step at its moment; a step that would fall
/// after `now` (less an hour) is where the story of this lead has got to.
#[allow(clippy::too_many_arguments)] // one lead's whole story
async fn play(
    ctx: &AppContext,
    cast: &Cast,
    rng: &mut StdRng,
    rw: &mut Rewind,
    l: &lead::Model,
    fate: Fate,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<Played> {
    let mut played = Played::default();
    let horizon = now - Duration::hours(1);
    let admin = cast.admin();
    let open = move |lead_id: Uuid| async move {
        let mut o: Vec<offer::Model> = store::offers::for_lead(&ctx.db, lead_id)
            .await?
            .into_iter()
            .filter(|o| o.status == OfferStatus::Open)
            .collect();
        o.sort_by_key(|o| o.rank);
        Ok::<_, ServiceError>(o)
    };
    let mut t = start;
    // The offers' answers.
    let mut offered = open(l.id).await?;
    if fate == Fate::LeadCancelled {
        for o in &offered {
            t += Duration::minutes(rng.gen_range(2..9));
            rw.at(t);
            offers::decline(ctx, &cast.contractor(o.contractor_id), o.id, Some("Fully booked this week".into()))
                .await?;
        }
        t += Duration::hours(rng.gen_range(2..20));
        rw.at(t);
        let left = store::leads::find(&ctx.db, l.id).await?.map(|l| l.status);
        if matches!(left, Some(LeadStatus::Unassigned | LeadStatus::Offering | LeadStatus::New)) {
            offers::cancel(ctx, &admin, l.id, Some("The customer's own builder is fixing it".into())).await?;
        }
        return Ok(played);
    }
    if fate == Fate::DeclinedFirst && offered.len() > 1 {
        t += Duration::minutes(rng.gen_range(1..6));
        rw.at(t);
        let first = offered.remove(0);
        offers::decline(
            ctx,
            &cast.contractor(first.contractor_id),
            first.id,
            Some("Too far from our jobs today".into()),
        )
        .await?;
    }
    let expired = offered.first().map(|o| start + (o.expires_at - o.created_at) + Duration::seconds(5));
    if let Some(at) = expired.filter(|at| fate == Fate::ExpiredFirst && *at < horizon) {
        // Nobody answers: the wave expires and routing offers the lead to the next ones.
        t = at;
        rw.at(t);
        for o in &offered {
            offer::ActiveModel {
                id: Set(o.id),
                expires_at: Set(Utc::now() - Duration::milliseconds(1)),
                ..Default::default()
            }
            .update(&ctx.db)
            .await?;
        }
        offers::expire_due(ctx).await?;
        offered = open(l.id).await?;
    }
    // Someone takes it: the best-ranked offer left, or an admin assigns it from the queue. The
    // demo contractor keeps room for the live offer: with fewer than three slots free it declines.
    let mut taker = None;
    while taker.is_none() && !offered.is_empty() {
        for o in &offered {
            if o.contractor_id != cast.demo_contractor || has_room(ctx, o.contractor_id, 3).await? {
                taker = Some(o.clone());
                break;
            }
        }
        if taker.is_none() {
            t += Duration::minutes(rng.gen_range(2..10));
            rw.at(t);
            for o in &offered {
                offers::decline(ctx, &cast.contractor(o.contractor_id), o.id, Some("Fully booked this week".into()))
                    .await?;
            }
            offered = open(l.id).await?;
        }
    }
    let taken = match taker {
        Some(o) => {
            // Answered within the offer's time.
            let ttl = (o.expires_at - o.created_at).num_seconds().clamp(60, 1500);
            t += Duration::seconds(rng.gen_range(30..ttl));
            rw.at(t);
            Some(offers::accept(ctx, &cast.contractor(o.contractor_id), o.id).await?)
        }
        None if t + Duration::days(2) < horizon => {
            // In the queue until an admin finds someone a little further out.
            t += Duration::hours(rng.gen_range(3..30));
            rw.at(t);
            let who = nearest_for(ctx, l, cast.demo_contractor).await?;
            match who {
                Some(c) => Some(offers::assign(ctx, &admin, l.id, c).await?),
                None => None,
            }
        }
        None => None,
    };
    let Some(taken) = taken else {
        // Nobody free for days: NRP refers the customer on and closes the lead.
        let status = store::leads::find(&ctx.db, l.id).await?.map(|l| l.status);
        if status == Some(LeadStatus::Unassigned) && t + Duration::days(3) < horizon {
            rw.at(t + Duration::days(2));
            let why = "No contractor free nearby; the customer was referred to a local builder";
            offers::cancel(ctx, &admin, l.id, Some(why.into())).await?;
        }
        return Ok(played);
    };
    played.jobs += 1;
    let job_id = taken.job.id;
    let worker = cast.contractor(taken.job.contractor_id);
    let insured = l.insurer_id.is_some() && l.claim_number.is_some();
    let insurer = cast.partner(cast.insurer, PartnerKind::Insurer);
    let value = l.estimated_value_cents.unwrap_or(500_000);
    let quote = (value as f64 * rng.gen_range(0.8..1.25) / 1000.0).round() as i64 * 1000;
    let approved =
        if rng.gen_bool(0.7) { quote } else { (quote as f64 * rng.gen_range(0.85..0.97) / 100.0).round() as i64 * 100 };

    // The claim, lodged a few hours after the job was taken.
    let mut claim_id = None;
    // Where the claim stands, so the story only makes the moves the claim allows.
    let mut claim_at = ClaimStatus::Lodged;
    let lodged = t + Duration::hours(rng.gen_range(2..6));
    if insured && lodged < horizon {
        t = lodged;
        rw.at(t);
        let c = claims::lodge(
            ctx,
            &insurer,
            claims::Lodgement { lead_id: l.id, claim_number: None, claimed_cents: quote, excess_cents: 50_000 },
        )
        .await?;
        played.claims += 1;
        claim_id = Some(c.id);
    }
    if fate == Fate::JobCancelled {
        t += Duration::hours(rng.gen_range(4..48));
        if t < horizon {
            rw.at(t);
            jobs::cancel(ctx, &worker, job_id, "The customer wants to wait for the insurer's assessor".into()).await?;
            let mut why = "The customer went with another company";
            if let Some(c) = claim_id {
                t += Duration::days(rng.gen_range(2..6));
                if t + Duration::days(4) < horizon {
                    rw.at(t);
                    decide(ctx, &insurer, c, ClaimStatus::Assessing, None).await?;
                    t += Duration::days(rng.gen_range(1..4));
                    rw.at(t);
                    decide(ctx, &insurer, c, ClaimStatus::Declined, None).await?;
                    why = "The insurer declined the claim";
                }
            }
            t += Duration::hours(rng.gen_range(2..24));
            if t < horizon {
                rw.at(t);
                offers::cancel(ctx, &admin, l.id, Some(why.into())).await?;
            }
        }
        return Ok(played);
    }
    // The job's stages, as far as the story has got.
    let stages: [(JobStatus, i64, i64); 6] = [
        (JobStatus::Contacted, 20, 5 * 60),
        (JobStatus::Inspected, 4 * 60, 30 * 60),
        (JobStatus::Quoted, 3 * 60, 48 * 60),
        (JobStatus::Approved, 4 * 60, 72 * 60),
        (JobStatus::InProgress, 12 * 60, 72 * 60),
        (JobStatus::Completed, 24 * 60, 6 * 24 * 60),
    ];
    let last = match fate {
        Fate::NoContact => 0,
        Fate::Early => rng.gen_range(1..=2),
        Fate::StallsAtQuote => 3,
        _ => 6,
    };
    let mut reached = JobStatus::AwaitingContact;
    for (to, min, max) in stages.into_iter().take(last) {
        let next = t + Duration::minutes(rng.gen_range(min..max));
        if next >= horizon {
            break;
        }
        t = next;
        rw.at(t);
        let by = if to == JobStatus::Approved { if insured { &insurer } else { &admin } } else { &worker };
        let a = jobs::Advance {
            to: Some(to),
            note: note_for(to, rng),
            quote_cents: (to == JobStatus::Quoted).then_some(quote),
            approved_cents: (to == JobStatus::Approved).then_some(approved),
            scheduled_for: None,
        };
        jobs::advance(ctx, by, job_id, a).await?;
        reached = to;
        if to == JobStatus::Inspected && rng.gen_bool(0.5) {
            rw.at(t + Duration::minutes(15));
            let note = "Moisture readings taken in every affected room; photos sent to the office".to_string();
            jobs::add_note(ctx, &worker, job_id, note, None).await?;
        }
        // The claim moves with the work: assessed once inspected, decided once approved.
        if let Some(c) = claim_id.filter(|_| t + Duration::hours(2) < now) {
            if to == JobStatus::Inspected {
                rw.at(t + Duration::hours(2));
                decide(ctx, &insurer, c, ClaimStatus::Assessing, None).await?;
                claim_at = ClaimStatus::Assessing;
            }
            if to == JobStatus::Approved && claim_at == ClaimStatus::Assessing {
                let (status, amount) = if approved == quote {
                    (ClaimStatus::Approved, None)
                } else {
                    (ClaimStatus::PartiallyApproved, Some(approved))
                };
                rw.at(t + Duration::minutes(5));
                decide(ctx, &insurer, c, status, amount).await?;
                claim_at = status;
            }
        }
    }
    if reached == JobStatus::Completed {
        played.payouts += 1;
        if let Some(c) = claim_id
            && claim_at.is_decided()
            && claim_at != ClaimStatus::Declined
            && t + Duration::days(5) < horizon
        {
            rw.at(t + Duration::days(rng.gen_range(3..5)));
            decide(ctx, &insurer, c, ClaimStatus::Settled, None).await?;
        }
        let rated = t + Duration::hours(rng.gen_range(20..30));
        if rng.gen_bool(0.6) && rated < horizon {
            rw.at(rated);
            jobs::rate(ctx, &admin, job_id, *[5, 5, 4, 4, 4, 3].choose(rng).unwrap_or(&4)).await?;
        }
    }
    Ok(played)
}

/// Whether the contractor has at least `free` job slots left.
async fn has_room(ctx: &AppContext, contractor: Uuid, free: i32) -> ServiceResult<bool> {
    let c = store::contractors::find(&ctx.db, contractor).await?;
    Ok(c.is_some_and(|c| c.active_jobs + free <= c.max_active_jobs))
}

async fn decide(
    ctx: &AppContext,
    insurer: &RequestMeta,
    id: Uuid,
    status: ClaimStatus,
    approved_cents: Option<i64>,
) -> ServiceResult<()> {
    let note = match status {
        ClaimStatus::Declined => Some("Gradual damage is excluded under the policy".to_string()),
        ClaimStatus::PartiallyApproved => Some("The carpet replacement is approved at the policy's limit".to_string()),
        _ => None,
    };
    claims::update(
        ctx,
        insurer,
        id,
        claims::ClaimChange { status: Some(status), approved_cents, excess_cents: None, note },
    )
    .await?;
    Ok(())
}

fn note_for(to: JobStatus, rng: &mut StdRng) -> Option<String> {
    let n = match to {
        JobStatus::Contacted => {
            ["Spoke to the customer; inspection booked", "Left a voicemail, then reached them by text"]
        }
        JobStatus::Inspected => ["Category 1 water; drying equipment set up", "Damage mapped; scope of works drafted"],
        JobStatus::InProgress => ["Strip-out done; dehumidifiers running", "Crew on site from 7 am"],
        JobStatus::Completed => {
            ["Dry readings confirmed; customer signed off", "Reinstatement finished and cleaned up"]
        }
        _ => return None,
    };
    n.choose(rng).map(|s| s.to_string())
}

/// An active contractor of the lead's state with its trade and a free slot, for an admin's
/// manual assignment (a little further out than routing reaches); not `keep`, whose slots the
/// live offer needs.
async fn nearest_for(ctx: &AppContext, l: &lead::Model, keep: Uuid) -> ServiceResult<Option<Uuid>> {
    let active = entities::contractor::Entity::find()
        .filter(entities::contractor::Column::Status.eq(entities::ContractorStatus::Active))
        .all(&ctx.db)
        .await?;
    let trades = store::contractors::specialties_of(&ctx.db, &active.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
    Ok(active
        .into_iter()
        .filter(|c| c.id != keep && c.base_postcode.get(..1) == l.postcode.get(..1))
        .filter(|c| c.active_jobs < c.max_active_jobs)
        .find(|c| trades.get(&c.id).is_some_and(|t| t.contains(&l.damage_type)))
        .map(|c| c.id))
}

/// What the payout runs did with the story's payouts: every Tuesday's run paid what was
/// completed before it (one transfer failed at the bank), so the ledger shows paid, failed,
/// held and still-pending payouts, and the runs that paid them.
async fn settle_history(ctx: &AppContext, rng: &mut StdRng, now: DateTime<Utc>) -> ServiceResult<()> {
    use sea_orm::TransactionTrait;
    let db = ctx.db.begin().await?;
    let zone = chrono_tz::Australia::Sydney;
    let mut pending: Vec<payout::Model> =
        payout::Entity::find().filter(payout::Column::Status.eq(PayoutStatus::Pending)).all(&db).await?;
    pending.sort_by_key(|p| p.created_at);
    let run_after = |t: DateTime<Utc>| {
        let local = t.with_timezone(&zone).date_naive();
        let ahead = (9 - i64::from(local.weekday().num_days_from_sunday())) % 7; // to the next Tuesday
        let day = local + Duration::days(if ahead == 0 { 7 } else { ahead });
        day.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default())
            .and_local_timezone(zone)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(t)
    };
    let mut runs: Vec<(DateTime<Utc>, Vec<payout::Model>)> = Vec::new();
    for p in pending {
        let at = run_after(p.created_at);
        if at >= now {
            continue; // completed since the last run: still pending
        }
        match runs.iter_mut().find(|(t, _)| *t == at) {
            Some((_, ps)) => ps.push(p),
            None => runs.push((at, vec![p])),
        }
    }
    let failed_run = runs.len() / 2;
    let held_run = runs.len().saturating_sub(2);
    for (n, (at, ps)) in runs.into_iter().enumerate() {
        let batch = Uuid::now_v7();
        let (mut paid, mut failed, mut skipped, mut paid_cents) = (0, 0, 0, 0i64);
        for (k, p) in ps.iter().enumerate() {
            let mut am: payout::ActiveModel = p.clone().into();
            am.batch_id = Set(Some(batch));
            am.attempts = Set(1);
            am.idempotency_key = Set(Some(format!("payout-{}", p.id)));
            am.updated_at = Set(at + Duration::seconds(k as i64 + 1));
            if n == held_run && k == 0 {
                am.status = Set(PayoutStatus::Held);
                am.status_reason = Set(Some("held by NRP: waiting on the customer's sign-off".into()));
                am.attempts = Set(0);
                am.idempotency_key = Set(None);
                am.batch_id = Set(None);
                skipped += 1;
            } else if n == failed_run && k == 0 {
                am.status = Set(PayoutStatus::Failed);
                am.status_reason = Set(Some("the contractor's bank returned the transfer: account closed".into()));
                failed += 1;
            } else {
                am.status = Set(PayoutStatus::Paid);
                am.status_reason = Set(None);
                am.transfer_id = Set(Some(format!("tr_demo_{}", p.id.simple())));
                am.paid_at = Set(Some(at + Duration::seconds(k as i64 + 1)));
                paid += 1;
                paid_cents += p.payout_cents;
            }
            am.update(&db).await?;
        }
        payout_batch::ActiveModel {
            id: Set(batch),
            trigger: Set("SCHEDULE".into()),
            started_by: Set("system".into()),
            started_at: Set(at),
            finished_at: Set(Some(at + Duration::seconds(ps.len() as i64 + 2))),
            considered: Set(ps.len() as i32),
            paid: Set(paid),
            failed: Set(failed),
            skipped: Set(skipped),
            unresolved: Set(0),
            paid_cents: Set(paid_cents),
        }
        .insert(&db)
        .await?;
    }
    // What was sent to customers and contractors went; partners' webhooks were delivered, all but
    // one that their endpoint kept refusing (the dead letter an admin can deliver again).
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(NotificationStatus::Sent.to_value()))
        .col_expr(notification::Column::Attempts, Expr::value(1))
        .col_expr(notification::Column::SentAt, Expr::col(notification::Column::CreatedAt))
        .filter(notification::Column::Status.eq(NotificationStatus::Pending))
        .exec(&db)
        .await?;
    let deliveries = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .order_by_asc(webhook_delivery::Column::CreatedAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .all(&db)
        .await?;
    let dead = deliveries.len() / 3;
    for (n, d) in deliveries.into_iter().enumerate() {
        let tries: Vec<(i64, Option<i32>, Option<&str>)> = if n == dead {
            (0..5).map(|k| (30 * (1 << k), Some(503), Some("503 Service Unavailable"))).collect()
        } else {
            vec![(1, Some(200), None)]
        };
        let mut at = d.created_at;
        for (k, (after, code, error)) in tries.iter().enumerate() {
            at += Duration::seconds(*after);
            webhook_attempt::ActiveModel {
                id: Set(Uuid::now_v7()),
                delivery_id: Set(d.id),
                attempt: Set(k as i32 + 1),
                status_code: Set(*code),
                error: Set(error.map(String::from)),
                duration_ms: Set(rng.gen_range(40..400)),
                at: Set(at),
            }
            .insert(&db)
            .await?;
        }
        let mut am: webhook_delivery::ActiveModel = d.clone().into();
        am.attempts = Set(tries.len() as i32);
        am.last_status_code = Set(tries.last().and_then(|t| t.1));
        if n == dead {
            am.status = Set(DeliveryStatus::Failed);
            am.last_error = Set(Some("503 Service Unavailable".into()));
        } else {
            am.status = Set(DeliveryStatus::Delivered);
            am.delivered_at = Set(Some(at));
        }
        am.update(&db).await?;
    }
    recount_responses(&db).await?;
    db.commit().await?;
    Ok(())
}

/// The contractors' response times (business hours) from the offers as the story tells them
/// (the seed answered them in milliseconds).
async fn recount_responses(db: &impl ConnectionTrait) -> ServiceResult<()> {
    let answered = offer::Entity::find()
        .filter(offer::Column::Status.is_in([OfferStatus::Accepted, OfferStatus::Declined]))
        .all(db)
        .await?;
    let bases: HashMap<Uuid, String> =
        entities::contractor::Entity::find().all(db).await?.into_iter().map(|c| (c.id, c.base_postcode)).collect();
    let mut by: HashMap<Uuid, (i32, i64)> = HashMap::new();
    for o in answered {
        if let Some(r) = o.responded_at {
            let e = by.entry(o.contractor_id).or_default();
            e.0 += 1;
            // Business hours on the company's clock, as every answer counts.
            let base = bases.get(&o.contractor_id).map(String::as_str).unwrap_or_default();
            e.1 += super::scoring::response_secs(base, o.created_at, r);
        }
    }
    for (id, (responses, total)) in by {
        entities::contractor::ActiveModel {
            id: Set(id),
            responses: Set(responses),
            response_secs_total: Set(total),
            avg_response_secs: Set(Some(total / i64::from(responses.max(1)))),
            ..Default::default()
        }
        .update(db)
        .await?;
    }
    Ok(())
}

/// A water leak in Darlinghurst sent in by the insurer a moment ago, offered to the Sydney
/// water contractors: the demo contractor's inbox has a live offer to accept. It stays open for
/// a day, so the first look finds it even a while after seeding.
async fn live_offer(ctx: &AppContext, cast: &Cast, insurer: &RequestMeta) -> ServiceResult<()> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut input = customer(&mut rng, LEADS, &PLACES[1], DamageType::Water, Urgency::High, Some(LEADS))?;
    input.description = "Burst pipe in the bathroom wall; water spreading into the hallway".into();
    let l = leads::create(ctx, insurer, input).await?;
    for o in store::offers::for_lead(&ctx.db, l.id).await? {
        if o.status == OfferStatus::Open {
            offer::ActiveModel {
                id: Set(o.id),
                expires_at: Set(Utc::now() + Duration::hours(24)),
                ..Default::default()
            }
            .update(&ctx.db)
            .await?;
        }
    }
    let offered = store::offers::for_lead(&ctx.db, l.id).await?;
    if !offered.iter().any(|o| o.contractor_id == cast.demo_contractor && o.status == OfferStatus::Open) {
        return Err(ServiceError::Internal(anyhow::anyhow!("demo data: the demo contractor got no live offer")));
    }
    Ok(())
}

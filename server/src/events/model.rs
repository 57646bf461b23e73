use chrono::{DateTime, Utc};
use entities::{DamageType, JobStatus, LeadStatus, OfferStatus, Urgency, job, lead, offer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What happened to an offer, from its contractor's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OfferEventKind {
    Offered,
    Taken,
    Expired,
    Withdrawn,
    Accepted,
    Declined,
}

/// The part of a lead a contractor may see before winning it: no customer details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadSummary {
    pub id: Uuid,
    pub suburb: String,
    pub state: String,
    pub postcode: String,
    pub damage_type: DamageType,
    pub urgency: Urgency,
    pub estimated_value_cents: Option<i64>,
    pub description: String,
}

impl From<&lead::Model> for LeadSummary {
    fn from(l: &lead::Model) -> Self {
        LeadSummary {
            id: l.id,
            suburb: l.suburb.clone(),
            state: l.state.clone(),
            postcode: l.postcode.clone(),
            damage_type: l.damage_type,
            urgency: l.urgency,
            estimated_value_cents: l.estimated_value_cents,
            description: l.description.clone(),
        }
    }
}

/// An offer as it stands, self-contained so subscribers need no database read to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferSnapshot {
    pub id: Uuid,
    pub contractor_id: Uuid,
    pub status: OfferStatus,
    pub rank: i32,
    pub score: f64,
    pub terms: serde_json::Value,
    pub distance_km: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub lead: LeadSummary,
}

impl OfferSnapshot {
    pub fn new(o: &offer::Model, lead: &LeadSummary) -> Self {
        OfferSnapshot {
            id: o.id,
            contractor_id: o.contractor_id,
            status: o.status,
            rank: o.rank,
            score: o.score,
            terms: o.terms.clone(),
            distance_km: o.distance_km,
            created_at: o.created_at,
            expires_at: o.expires_at,
            responded_at: o.responded_at,
            decline_reason: o.decline_reason.clone(),
            lead: lead.clone(),
        }
    }
}

/// A lead changed status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadUpdate {
    pub lead_id: Uuid,
    pub status: LeadStatus,
    pub previous: Option<LeadStatus>,
    pub assigned_contractor_id: Option<Uuid>,
    /// Partners allowed to see this event: the source and the insurer.
    pub partner_ids: Vec<Uuid>,
    pub at: DateTime<Utc>,
}

impl LeadUpdate {
    pub fn of(l: &lead::Model, previous: Option<LeadStatus>) -> Self {
        let mut partner_ids: Vec<Uuid> = l.source_partner_id.into_iter().chain(l.insurer_id).collect();
        partner_ids.dedup();
        LeadUpdate {
            lead_id: l.id,
            status: l.status,
            previous,
            assigned_contractor_id: l.assigned_contractor_id,
            partner_ids,
            at: l.updated_at,
        }
    }
}

/// A job moved, or was flagged to admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobUpdate {
    pub job_id: Uuid,
    pub lead_id: Uuid,
    pub contractor_id: Uuid,
    pub status: JobStatus,
    pub previous: Option<JobStatus>,
    /// Set when the job is flagged: `CONTACT_OVERDUE` or `IDLE`.
    pub alert: Option<String>,
    /// Partners allowed to see this event: the lead's source and insurer.
    pub partner_ids: Vec<Uuid>,
    pub at: DateTime<Utc>,
}

impl JobUpdate {
    pub fn of(j: &job::Model, l: &lead::Model, previous: Option<JobStatus>, alert: Option<&str>) -> Self {
        let mut partner_ids: Vec<Uuid> = l.source_partner_id.into_iter().chain(l.insurer_id).collect();
        partner_ids.dedup();
        JobUpdate {
            job_id: j.id,
            lead_id: j.lead_id,
            contractor_id: j.contractor_id,
            status: j.status,
            previous,
            alert: alert.map(String::from),
            partner_ids,
            at: j.updated_at,
        }
    }
}

/// Credentials that stopped being good. Every instance closes the WebSockets they opened
/// (4403), and HTTP refuses them from the next request on (they are checked on every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "subject", rename_all = "camelCase")]
pub enum Revocation {
    /// A user was disabled.
    #[serde(rename_all = "camelCase")]
    User { user_id: Uuid },
    /// A partner was deactivated: all its API keys and users.
    #[serde(rename_all = "camelCase")]
    Partner { partner_id: Uuid },
    /// One API key was revoked.
    #[serde(rename_all = "camelCase")]
    ApiKey { key_id: Uuid },
    /// A contractor company was suspended: its users' live sockets close.
    #[serde(rename_all = "camelCase")]
    Contractor { contractor_id: Uuid },
    /// One session (refresh-token family) was ended.
    #[serde(rename_all = "camelCase")]
    Session { session_id: Uuid },
    /// Every session of a login but `except` was ended (a new password, "sign out everywhere").
    #[serde(rename_all = "camelCase")]
    Sessions { user_id: Uuid, except: Option<Uuid> },
}

/// Everything the bus carries. Events travel inside an `Arc`, so the variants' size difference
/// costs nothing per subscriber.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    Offer {
        kind: OfferEventKind,
        offer: OfferSnapshot,
    },
    Lead(LeadUpdate),
    Job(JobUpdate),
    /// Goes to the sockets' revocation watch, not to subscriptions.
    Revoked(Revocation),
    /// This instance may have missed events (its Redis subscription was down): subscribers
    /// re-read what they show. Raised locally, never sent between instances.
    #[serde(skip)]
    Resync,
}

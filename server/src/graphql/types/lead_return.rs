use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entities::lead_return;

use super::enums::{ReturnReason, ReturnStatus};
use super::job::Job;
use super::{app, meta};
use crate::graphql::IntoGql;
use crate::graphql::ids::to_id;

/// A lead a contractor handed back within 24 hours of winning it, and the admin's decision.
pub struct LeadReturn(pub lead_return::Model);

#[Object]
impl LeadReturn {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn job_id(&self) -> ID {
        to_id(self.0.job_id)
    }
    async fn lead_id(&self) -> ID {
        to_id(self.0.lead_id)
    }
    async fn contractor_id(&self) -> ID {
        to_id(self.0.contractor_id)
    }
    /// The job (as the caller may see it).
    async fn job(&self, ctx: &Context<'_>) -> Result<Job> {
        crate::services::jobs::get(app(ctx), meta(ctx), self.0.job_id).await.gql().map(|(j, _)| Job(j))
    }
    async fn reason(&self) -> ReturnReason {
        self.0.reason.into()
    }
    /// The contractor's own words.
    async fn note(&self) -> &str {
        &self.0.note
    }
    async fn status(&self) -> ReturnStatus {
        self.0.status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// What the admin said with the decision.
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
}

/// What became of the contractor's chance at a lead it did not get.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum MissedOutcome {
    /// You had an offer and declined it.
    Declined,
    /// You had an offer and let it expire.
    Expired,
    /// You had an offer; another company accepted first.
    Taken,
    /// You had an offer, withdrawn (the lead was assigned by hand or cancelled).
    Withdrawn,
    /// Your offer is still open.
    Open,
    /// You could take it, but others ranked higher and the offers went to them.
    Outranked,
    /// A rule left you out (`exclusionReason`).
    Excluded,
    /// Routing did not list you (below the 50 best ranked, or not among the 200 nearest left out).
    NotListed,
}

impl From<crate::services::missed::Outcome> for MissedOutcome {
    fn from(o: crate::services::missed::Outcome) -> Self {
        use crate::services::missed::Outcome as O;
        match o {
            O::Declined => MissedOutcome::Declined,
            O::Expired => MissedOutcome::Expired,
            O::Taken => MissedOutcome::Taken,
            O::Withdrawn => MissedOutcome::Withdrawn,
            O::Open => MissedOutcome::Open,
            O::Outranked => MissedOutcome::Outranked,
            O::Excluded => MissedOutcome::Excluded,
            O::NotListed => MissedOutcome::NotListed,
        }
    }
}

/// A lead in your area you did not get, and why: what an offer shows of it, your own place in
/// its routing, and the score that won. Nobody else's name or terms.
pub struct MissedLead(pub crate::services::missed::Missed);

#[Object]
impl MissedLead {
    async fn suburb(&self) -> &str {
        &self.0.lead.suburb
    }
    async fn postcode(&self) -> &str {
        &self.0.lead.postcode
    }
    async fn damage_type(&self) -> super::enums::DamageType {
        self.0.lead.damage_type.into()
    }
    async fn urgency(&self) -> super::enums::Urgency {
        self.0.lead.urgency.into()
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.lead.created_at
    }
    /// Where the lead is now (`ASSIGNED`: another company has it).
    async fn lead_status(&self) -> super::enums::LeadStatus {
        self.0.lead.status.into()
    }
    async fn outcome(&self) -> MissedOutcome {
        self.0.outcome.into()
    }
    /// The rule that left you out, for `EXCLUDED`.
    async fn exclusion_reason(&self) -> Option<super::enums::ExclusionReason> {
        self.0.reason.map(Into::into)
    }
    /// Your rank in the routing that made (or would have made) your offer.
    async fn your_rank(&self) -> Option<i32> {
        self.0.rank.and_then(|r| i32::try_from(r).ok())
    }
    async fn your_score(&self) -> Option<f64> {
        self.0.score
    }
    async fn your_terms(&self) -> Option<super::offer::ScoreTerms> {
        self.0.terms.map(Into::into)
    }
    /// The score of the offer that was accepted, else the best score routing ranked.
    async fn winning_score(&self) -> Option<f64> {
        self.0.winning_score
    }
}

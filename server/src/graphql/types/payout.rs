use crate::graphql::types::money::Money;
use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entities::payout;

use super::enums::PayoutStatus;
use crate::graphql::ids::to_id;

/// A contractor's payout for a completed job. `grossCents = commissionCents + payoutCents`.
pub struct Payout(pub payout::Model);

#[Object]
impl Payout {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn job_id(&self) -> ID {
        to_id(self.0.job_id)
    }
    async fn contractor_id(&self) -> ID {
        to_id(self.0.contractor_id)
    }
    /// The job's approved amount, AUD cents.
    async fn gross_cents(&self) -> Money {
        Money(self.0.gross_cents)
    }
    /// Basis points (1500 = 15%): the contractor's override or the network default.
    async fn commission_bps(&self) -> i32 {
        self.0.commission_bps
    }
    /// `round_half_up(gross × bps / 10 000)` cents.
    async fn commission_cents(&self) -> Money {
        Money(self.0.commission_cents)
    }
    /// What the contractor receives: gross − commission.
    async fn payout_cents(&self) -> Money {
        Money(self.0.payout_cents)
    }
    async fn status(&self) -> PayoutStatus {
        self.0.status.into()
    }
    /// Why it stands where it does.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    /// Transfer attempts so far (a retry after a failure is a new attempt).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The Stripe transfer (`tr_…`), once made.
    async fn transfer_id(&self) -> Option<&str> {
        self.0.transfer_id.as_deref()
    }
    /// The idempotency key of the current attempt, as sent to Stripe.
    async fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }
    /// The batch that last worked on it.
    async fn batch_id(&self) -> Option<ID> {
        self.0.batch_id.map(to_id)
    }
    /// Cents taken back by transfer reversals.
    async fn reversed_cents(&self) -> Money {
        Money(self.0.reversed_cents)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
}

/// One run of the payout batch.
pub struct PayoutBatch(pub entities::payout_batch::Model);

#[Object]
impl PayoutBatch {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// `ADMIN` or `SCHEDULE`.
    async fn trigger(&self) -> &str {
        &self.0.trigger
    }
    async fn started_by(&self) -> &str {
        &self.0.started_by
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// Payouts it looked at.
    async fn considered(&self) -> i32 {
        self.0.considered
    }
    async fn paid(&self) -> i32 {
        self.0.paid
    }
    async fn failed(&self) -> i32 {
        self.0.failed
    }
    /// Left waiting: the contractor is not onboarded yet, or another batch had it.
    async fn skipped(&self) -> i32 {
        self.0.skipped
    }
    /// Transfers whose answer was lost (timeout): the next batch settles them, paying at most once.
    async fn unresolved(&self) -> i32 {
        self.0.unresolved
    }
    /// AUD cents transferred.
    async fn paid_cents(&self) -> Money {
        Money(self.0.paid_cents)
    }
}

/// A Stripe webhook event NRP received, and what applying it did.
pub struct StripeEvent(pub entities::stripe_event::Model);

#[Object]
impl StripeEvent {
    async fn id(&self) -> &str {
        &self.0.id
    }
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn created(&self) -> DateTime<Utc> {
        self.0.created
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
}

/// Where the contractor finishes Stripe onboarding; single use, and it expires.
#[derive(async_graphql::SimpleObject)]
pub struct StripeOnboardingLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

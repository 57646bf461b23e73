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
    async fn gross_cents(&self) -> i64 {
        self.0.gross_cents
    }
    /// Basis points (1500 = 15%): the contractor's override or the network default.
    async fn commission_bps(&self) -> i32 {
        self.0.commission_bps
    }
    /// `round_half_up(gross × bps / 10 000)` cents.
    async fn commission_cents(&self) -> i64 {
        self.0.commission_cents
    }
    /// What the contractor receives: gross − commission.
    async fn payout_cents(&self) -> i64 {
        self.0.payout_cents
    }
    async fn status(&self) -> PayoutStatus {
        self.0.status.into()
    }
    /// Why it stands where it does.
    async fn status_reason(&self) -> Option<&str> {
        self.0.status_reason.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
}

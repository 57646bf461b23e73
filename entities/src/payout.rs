use sea_orm::entity::prelude::*;

use crate::PayoutStatus;

/// The ledger entry for a completed job: gross = commission + payout, to the cent.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// One entry per job.
    #[sea_orm(unique)]
    pub job_id: Uuid,
    pub contractor_id: Uuid,
    /// The job's approved amount, AUD cents.
    pub gross_cents: i64,
    pub commission_bps: i32,
    pub commission_cents: i64,
    pub payout_cents: i64,
    pub status: PayoutStatus,
    /// Why it stands where it does (no provider configured, held by whom, the failure).
    pub status_reason: Option<String>,
    /// The payment provider's transfer id, once requested.
    pub transfer_id: Option<String>,
    pub attempts: i32,
    /// The key of the current transfer attempt: `payout-<id>`, then `payout-<id>-a<n>` for a retry
    /// after a definite failure. A rerun of an unresolved attempt reuses it, so Stripe pays once.
    pub idempotency_key: Option<String>,
    /// A batch working on this payout holds it until then; an interrupted batch's lease lapses.
    pub lease_until: Option<DateTimeUtc>,
    pub batch_id: Option<Uuid>,
    /// Cents taken back by transfer reversals.
    pub reversed_cents: i64,
    pub reversal_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

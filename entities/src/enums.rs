//! Statuses and kinds, stored as short strings so both PostgreSQL and SQLite hold them the same way.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a user may do; see DOMAIN.md "Actors".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "CONTRACTOR")]
    Contractor,
    #[sea_orm(string_value = "PARTNER")]
    Partner,
}

/// A contractor company's standing with NRP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContractorStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "SUSPENDED")]
    Suspended,
}

impl ContractorStatus {
    /// `PENDING → ACTIVE ↔ SUSPENDED`; a suspended contractor that was never verified may also be
    /// reinstated straight to active by an admin, which is what "reinstate" means.
    pub fn can_transition_to(self, next: ContractorStatus) -> bool {
        use ContractorStatus::*;
        matches!((self, next), (Pending, Active) | (Pending, Suspended) | (Active, Suspended) | (Suspended, Active))
    }

    /// The statuses reachable from this one, for error messages.
    pub fn allowed_next(self) -> Vec<ContractorStatus> {
        <ContractorStatus as sea_orm::Iterable>::iter().filter(|s| self.can_transition_to(*s)).collect()
    }
}

/// Damage types, which are also contractor specialties.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DamageType {
    #[sea_orm(string_value = "WATER")]
    Water,
    #[sea_orm(string_value = "FIRE")]
    Fire,
    #[sea_orm(string_value = "MOULD")]
    Mould,
    #[sea_orm(string_value = "STORM")]
    Storm,
}

/// How fast a lead needs attention; `HIGH` and `EMERGENCY` count as urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Urgency {
    #[sea_orm(string_value = "LOW")]
    Low,
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    #[sea_orm(string_value = "HIGH")]
    High,
    #[sea_orm(string_value = "EMERGENCY")]
    Emergency,
}

impl Urgency {
    /// DOMAIN.md: `HIGH` and `EMERGENCY` count as urgent.
    pub fn is_urgent(self) -> bool {
        matches!(self, Urgency::High | Urgency::Emergency)
    }
}

/// What kind of partner an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartnerKind {
    #[sea_orm(string_value = "INSURER")]
    Insurer,
    #[sea_orm(string_value = "LEAD_SOURCE")]
    LeadSource,
}

/// Who made a change, as written in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorKind {
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "API_KEY")]
    ApiKey,
    #[sea_orm(string_value = "SYSTEM")]
    System,
    #[sea_orm(string_value = "ANONYMOUS")]
    Anonymous,
}

/// Why a contractor hands back a lead it won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnReason {
    /// The customer cannot be reached on the details given.
    #[sea_orm(string_value = "BAD_CONTACT")]
    BadContact,
    /// The same job reached the contractor before.
    #[sea_orm(string_value = "DUPLICATE")]
    Duplicate,
    /// The work is not what the lead described.
    #[sea_orm(string_value = "OUT_OF_SCOPE")]
    OutOfScope,
}

/// Where a lead return stands: an admin upholds or rejects it, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "UPHELD")]
    Upheld,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

impl ReturnStatus {
    /// `PENDING → UPHELD | REJECTED`, and nothing after.
    pub fn can_transition_to(self, next: ReturnStatus) -> bool {
        matches!((self, next), (ReturnStatus::Pending, ReturnStatus::Upheld | ReturnStatus::Rejected))
    }
}

/// A lead's place in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadStatus {
    #[sea_orm(string_value = "NEW")]
    New,
    #[sea_orm(string_value = "OFFERING")]
    Offering,
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "UNASSIGNED")]
    Unassigned,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "DUPLICATE")]
    Duplicate,
}

impl LeadStatus {
    /// `NEW → OFFERING → ASSIGNED → COMPLETED`; `OFFERING → UNASSIGNED` when candidates run out;
    /// an unassigned lead can be offered again (re-route) or assigned by hand; any lead not yet
    /// completed can be cancelled; a `DUPLICATE` an admin finds is not one goes back to `NEW`.
    pub fn can_transition_to(self, next: LeadStatus) -> bool {
        use LeadStatus::*;
        matches!(
            (self, next),
            (New, Offering)
                | (New, Unassigned)
                | (New, Assigned)
                | (Offering, Assigned)
                | (Offering, Unassigned)
                | (Unassigned, Offering)
                | (Unassigned, Assigned)
                | (Assigned, Completed)
                // Its job was cancelled, or its return upheld: back to the queue.
                | (Assigned, Unassigned)
                | (New | Offering | Assigned | Unassigned, Cancelled)
                // An admin releases a false duplicate into routing.
                | (Duplicate, New)
        )
    }

    /// Statuses in which the lead still waits for a contractor.
    pub fn is_open(self) -> bool {
        matches!(self, LeadStatus::New | LeadStatus::Offering | LeadStatus::Unassigned)
    }
}

/// An offer of a lead to one contractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OfferStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
    #[sea_orm(string_value = "TAKEN")]
    Taken,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

impl OfferStatus {
    /// Only an open offer moves, and only once.
    pub fn can_transition_to(self, next: OfferStatus) -> bool {
        self == OfferStatus::Open && next != OfferStatus::Open
    }
}

/// A job's stage; issue 4 adds the transitions between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    #[sea_orm(string_value = "AWAITING_CONTACT")]
    AwaitingContact,
    #[sea_orm(string_value = "CONTACTED")]
    Contacted,
    #[sea_orm(string_value = "INSPECTED")]
    Inspected,
    #[sea_orm(string_value = "QUOTED")]
    Quoted,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

impl JobStatus {
    /// `AWAITING_CONTACT → CONTACTED → INSPECTED → QUOTED → APPROVED → IN_PROGRESS → COMPLETED`;
    /// `CANCELLED` from any open state.
    pub fn can_transition_to(self, next: JobStatus) -> bool {
        use JobStatus::*;
        match (self, next) {
            (AwaitingContact, Contacted)
            | (Contacted, Inspected)
            | (Inspected, Quoted)
            | (Quoted, Approved)
            | (Approved, InProgress)
            | (InProgress, Completed) => true,
            (from, Cancelled) => from.is_open(),
            _ => false,
        }
    }

    /// Neither completed nor cancelled.
    pub fn is_open(self) -> bool {
        !matches!(self, JobStatus::Completed | JobStatus::Cancelled)
    }

    /// The statuses reachable from this one, in lifecycle order.
    pub fn allowed_next(self) -> Vec<JobStatus> {
        <JobStatus as sea_orm::Iterable>::iter().filter(|s| self.can_transition_to(*s)).collect()
    }
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobEventKind {
    #[sea_orm(string_value = "CREATED")]
    Created,
    #[sea_orm(string_value = "TRANSITION")]
    Transition,
    #[sea_orm(string_value = "NOTE")]
    Note,
    #[sea_orm(string_value = "RATED")]
    Rated,
}

/// An insurance claim's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimStatus {
    #[sea_orm(string_value = "LODGED")]
    Lodged,
    #[sea_orm(string_value = "ASSESSING")]
    Assessing,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "PARTIALLY_APPROVED")]
    PartiallyApproved,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "SETTLED")]
    Settled,
}

impl ClaimStatus {
    /// `LODGED → ASSESSING → APPROVED | PARTIALLY_APPROVED | DECLINED`; an approved claim
    /// (fully or partly) is then `SETTLED`.
    pub fn can_transition_to(self, next: ClaimStatus) -> bool {
        use ClaimStatus::*;
        matches!(
            (self, next),
            (Lodged, Assessing)
                | (Assessing, Approved)
                | (Assessing, PartiallyApproved)
                | (Assessing, Declined)
                | (Approved, Settled)
                | (PartiallyApproved, Settled)
        )
    }

    /// Whether the insurer has decided yet.
    pub fn is_decided(self) -> bool {
        !matches!(self, ClaimStatus::Lodged | ClaimStatus::Assessing)
    }

    pub fn allowed_next(self) -> Vec<ClaimStatus> {
        <ClaimStatus as sea_orm::Iterable>::iter().filter(|s| self.can_transition_to(*s)).collect()
    }
}

/// Where a contractor's payout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PayoutStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "PROCESSING")]
    Processing,
    #[sea_orm(string_value = "PAID")]
    Paid,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "REVERSED")]
    Reversed,
    #[sea_orm(string_value = "HELD")]
    Held,
}

impl PayoutStatus {
    /// `PENDING → PROCESSING → PAID | FAILED`. A failure is retried (`→ PENDING` or straight
    /// `→ PROCESSING`); a paid payout can be `REVERSED` (Stripe may report the reversal before the
    /// batch records the transfer, so `PROCESSING → REVERSED` too) or reported failed by Stripe;
    /// an admin can hold a pending or failed payout and release it.
    pub fn can_transition_to(self, next: PayoutStatus) -> bool {
        use PayoutStatus::*;
        matches!(
            (self, next),
            (Pending, Processing)
                | (Pending, Held)
                | (Held, Pending)
                | (Processing, Paid)
                | (Processing, Failed)
                | (Processing, Reversed)
                | (Failed, Pending)
                | (Failed, Processing)
                | (Failed, Held)
                | (Paid, Reversed)
                | (Paid, Failed)
        )
    }
}

/// What an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttachmentKind {
    #[sea_orm(string_value = "PHOTO")]
    Photo,
    #[sea_orm(string_value = "REPORT")]
    Report,
}

/// Where a webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Every retry failed; kept for the log.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// How a notification travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationChannel {
    /// Web Push to a browser or installed app.
    #[sea_orm(string_value = "PUSH")]
    Push,
    #[sea_orm(string_value = "SMS")]
    Sms,
    #[sea_orm(string_value = "EMAIL")]
    Email,
}

/// Where a notification is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationStatus {
    /// Waiting for its (next) attempt.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The provider accepted it.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Dead letter: every retry failed, or the provider refused it for good.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// No longer worth sending (the offer it announced closed, the address opted out).
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Who a notification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationAudience {
    /// A login (contractor, admin or partner staff).
    #[sea_orm(string_value = "USER")]
    User,
    /// A property owner (never a login).
    #[sea_orm(string_value = "CUSTOMER")]
    Customer,
}

/// Where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LeadSource {
    #[sea_orm(string_value = "PARTNER")]
    Partner,
    #[sea_orm(string_value = "WEBSITE")]
    Website,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_contractor_can_be_verified_but_not_reverted_to_pending() {
        assert!(ContractorStatus::Pending.can_transition_to(ContractorStatus::Active));
        assert!(!ContractorStatus::Active.can_transition_to(ContractorStatus::Pending));
        assert!(!ContractorStatus::Active.can_transition_to(ContractorStatus::Active));
        assert_eq!(ContractorStatus::Active.allowed_next(), vec![ContractorStatus::Suspended]);
    }

    #[test]
    fn enums_serialise_the_way_the_api_spells_them() {
        assert_eq!(serde_json::to_string(&ContractorStatus::Pending).unwrap(), "\"PENDING\"");
        assert_eq!(serde_json::to_string(&PartnerKind::LeadSource).unwrap(), "\"LEAD_SOURCE\"");
    }

    #[test]
    fn an_assigned_lead_cannot_go_back_to_offering_and_only_open_offers_move() {
        assert!(LeadStatus::Offering.can_transition_to(LeadStatus::Assigned));
        assert!(!LeadStatus::Assigned.can_transition_to(LeadStatus::Offering));
        assert!(!LeadStatus::Duplicate.can_transition_to(LeadStatus::Offering));
        assert!(LeadStatus::Duplicate.can_transition_to(LeadStatus::New));
        assert!(!LeadStatus::Cancelled.can_transition_to(LeadStatus::New));
        assert!(OfferStatus::Open.can_transition_to(OfferStatus::Taken));
        assert!(!OfferStatus::Accepted.can_transition_to(OfferStatus::Taken));
        assert!(!OfferStatus::Open.can_transition_to(OfferStatus::Open));
    }

    #[test]
    fn a_job_moves_one_stage_at_a_time_and_cancels_only_while_open() {
        use JobStatus::*;
        assert_eq!(AwaitingContact.allowed_next(), vec![Contacted, Cancelled]);
        assert_eq!(Quoted.allowed_next(), vec![Approved, Cancelled]);
        assert!(!AwaitingContact.can_transition_to(Quoted));
        assert!(!Completed.can_transition_to(Cancelled));
        assert!(Completed.allowed_next().is_empty());
        assert!(!Cancelled.can_transition_to(Cancelled));
    }

    #[test]
    fn a_claim_is_assessed_then_decided_and_only_approved_claims_settle() {
        use ClaimStatus::*;
        assert_eq!(Assessing.allowed_next(), vec![Approved, PartiallyApproved, Declined]);
        assert!(!Lodged.can_transition_to(Approved));
        assert!(!Declined.can_transition_to(Settled));
        assert!(PartiallyApproved.can_transition_to(Settled));
        assert!(Settled.allowed_next().is_empty());
        assert!(!Assessing.is_decided() && Declined.is_decided());
    }

    #[test]
    fn only_a_paid_payout_reverses_and_nothing_jumps_to_paid() {
        use PayoutStatus::*;
        assert!(Paid.can_transition_to(Reversed));
        assert!(!Pending.can_transition_to(Paid));
        assert!(!Held.can_transition_to(Processing));
        assert!(Held.can_transition_to(Pending) && Pending.can_transition_to(Held));
        assert!(Failed.can_transition_to(Processing));
    }

    #[test]
    fn high_and_emergency_are_urgent() {
        assert!(Urgency::Emergency.is_urgent());
        assert!(Urgency::High.is_urgent());
        assert!(!Urgency::Medium.is_urgent());
        assert!(!Urgency::Low.is_urgent());
    }
}

/// What an emailed account link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LinkPurpose {
    /// Sets a new password (30 minutes).
    #[sea_orm(string_value = "RESET")]
    Reset,
    /// Proves the login's email address.
    #[sea_orm(string_value = "VERIFY")]
    Verify,
    /// Sets the first password of a staff login an owner or admin invited.
    #[sea_orm(string_value = "INVITE")]
    Invite,
    /// Moves the login to a new email address (the link went to the new one).
    #[sea_orm(string_value = "NEW_EMAIL")]
    NewEmail,
}

/// A login's place in its company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompanyRole {
    /// Runs the company's account: profile, payouts and bank details, and its staff.
    #[sea_orm(string_value = "OWNER")]
    Owner,
    /// Accepts offers and works jobs; nothing about money or the company's settings.
    #[sea_orm(string_value = "STAFF")]
    Staff,
}

//! GraphQL mirrors of the stored enums; the `remote` derive keeps the two in step at compile time.

use async_graphql::Enum;

/// What a user may do.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::Role")]
pub enum Role {
    Admin,
    Contractor,
    Partner,
}

/// A login's place in its company: the owner runs the account (profile, payouts, bank details,
/// staff); staff accept offers and work jobs.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::CompanyRole")]
pub enum CompanyRole {
    Owner,
    Staff,
}

/// Where a login stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::services::users::Standing")]
pub enum UserStatus {
    /// Signs in.
    Active,
    /// Invited; the invitation has not set a password yet.
    Invited,
    /// Cannot sign in.
    Disabled,
}

/// A contractor company's standing: `PENDING` gets no offers until an admin verifies it.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::ContractorStatus")]
pub enum ContractorStatus {
    Pending,
    Active,
    Suspended,
}

/// Kinds of property damage; also the specialties contractors offer.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::DamageType")]
pub enum DamageType {
    Water,
    Fire,
    Mould,
    Storm,
}

/// How fast a lead needs attention; `HIGH` and `EMERGENCY` count as urgent.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::Urgency")]
pub enum Urgency {
    Low,
    Medium,
    High,
    Emergency,
}

/// Insurer or lead source.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::PartnerKind")]
pub enum PartnerKind {
    Insurer,
    LeadSource,
}

/// Who made an audited change.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::ActorKind")]
pub enum ActorKind {
    User,
    ApiKey,
    System,
    Anonymous,
}

/// Whether an API key can be used.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ApiKeyStatus {
    Active,
    Revoked,
    Expired,
}

/// Where a webhook delivery stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::DeliveryStatus")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The partner's endpoint answered 2xx.
    Delivered,
    /// Every attempt of its round failed: a dead letter (`redeliverWebhook` sends it again).
    Failed,
}

/// A lead's place in its lifecycle.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::LeadStatus")]
pub enum LeadStatus {
    New,
    Offering,
    Assigned,
    Completed,
    Unassigned,
    Cancelled,
    Duplicate,
}

/// An offer's state.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::OfferStatus")]
pub enum OfferStatus {
    Open,
    Accepted,
    Declined,
    Expired,
    Taken,
    Withdrawn,
}

/// What happened to an offer: `OFFERED` (new, or still open when you subscribed), `TAKEN`
/// (someone else accepted first), `EXPIRED`, `WITHDRAWN` (NRP assigned or cancelled the lead), and
/// your own `ACCEPTED` / `DECLINED` (so your other devices stay in step).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::events::OfferEventKind")]
pub enum OfferEventKind {
    Offered,
    Taken,
    Expired,
    Withdrawn,
    Accepted,
    Declined,
}

/// A job's stage.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::JobStatus")]
pub enum JobStatus {
    AwaitingContact,
    Contacted,
    Inspected,
    Quoted,
    Approved,
    InProgress,
    Completed,
    Cancelled,
}

/// Where a lead came from.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::LeadSource")]
pub enum LeadSource {
    Partner,
    Website,
    Admin,
}

/// Why a contractor got no offer for a lead.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::services::routing::rank::Exclusion")]
pub enum ExclusionReason {
    NotActive,
    Paused,
    AlreadyOffered,
    NoSpecialty,
    OutOfArea,
    CertExpired,
    AtCapacity,
    CapReached,
}

/// Where routing took the lead's location from.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::services::routing::PointSource")]
pub enum PointSource {
    Coordinates,
    Postcode,
    Unknown,
}

/// What a job timeline entry records.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::JobEventKind")]
pub enum JobEventKind {
    Created,
    Transition,
    Note,
    Rated,
}

/// An insurance claim's state.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::ClaimStatus")]
pub enum ClaimStatus {
    Lodged,
    Assessing,
    Approved,
    PartiallyApproved,
    Declined,
    Settled,
}

/// Where a contractor's payout stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::PayoutStatus")]
pub enum PayoutStatus {
    Pending,
    Processing,
    Paid,
    Failed,
    Reversed,
    Held,
}

/// How a notification travels.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::NotificationChannel")]
pub enum NotificationChannel {
    Push,
    Sms,
    Email,
}

/// Where a notification is: `PENDING` (waiting or retrying), `SENT` (the provider took it),
/// `FAILED` (a dead letter: retries used up or refused for good), `CANCELLED` (no longer worth
/// sending: its offer closed, or the address opted out).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::NotificationStatus")]
pub enum NotificationStatus {
    Pending,
    Sent,
    Failed,
    Cancelled,
}

/// Who a notification is for: a login, or a property owner.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::NotificationAudience")]
pub enum NotificationAudience {
    User,
    Customer,
}

/// Why a contractor hands back a lead it won.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::ReturnReason")]
pub enum ReturnReason {
    /// The customer cannot be reached on the details given.
    BadContact,
    /// The same job reached the contractor before.
    Duplicate,
    /// The work is not what the lead described.
    OutOfScope,
}

/// Where a lead return stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entities::ReturnStatus")]
pub enum ReturnStatus {
    /// Waiting for an admin.
    Pending,
    /// The job was cancelled and the lead routed again; it counts in no term of the score.
    Upheld,
    /// The job goes on.
    Rejected,
}

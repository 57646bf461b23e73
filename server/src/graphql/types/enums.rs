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

mod auth;
mod claims;
mod contractors;
mod jobs;
mod leads;
mod notifications;
mod partners;
mod payouts;

use async_graphql::MergedObject;

/// Every mutation. Each one is a single transaction that is audited on success.
#[derive(MergedObject, Default)]
pub struct Mutation(
    auth::AuthMutation,
    contractors::ContractorMutation,
    partners::PartnerMutation,
    leads::LeadMutation,
    jobs::JobMutation,
    claims::ClaimMutation,
    payouts::PayoutMutation,
    notifications::NotificationMutation,
);

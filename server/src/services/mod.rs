//! The business rules. Each public function is one transaction and is instrumented with tracing;
//! every successful change writes its audit entry inside that same transaction.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod claims;
pub mod contractors;
pub mod demo;
pub mod jobs;
pub mod leads;
pub mod offers;
pub mod partners;
pub mod payouts;
pub mod postcodes;
pub mod routing;
pub mod users;
pub mod webhooks;

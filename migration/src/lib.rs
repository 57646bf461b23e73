//! Schema migrations, one file each, identical on PostgreSQL and SQLite.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_foundation;
mod m20261121_000002_leads_offers_jobs;
mod m20261121_000003_job_lifecycle;
mod m20261121_000004_claims;
mod m20261121_000005_payouts;
mod m20261121_000006_attachments;
mod m20261121_000007_webhooks;
mod m20261121_000008_stripe;
mod m20261201_000009_hardening;
mod m20261202_000010_notifications;
mod m20261203_000011_accounts;
mod m20261204_000012_search;
mod m20261205_000013_field_capture;
mod m20261206_000014_routing_reach;
mod m20261207_000015_earned_score;
mod m20261208_000016_lead_returns;
mod m20261209_000017_routing_network;

/// Every migration of the product, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_foundation::Migration),
            Box::new(m20261121_000002_leads_offers_jobs::Migration),
            Box::new(m20261121_000003_job_lifecycle::Migration),
            Box::new(m20261121_000004_claims::Migration),
            Box::new(m20261121_000005_payouts::Migration),
            Box::new(m20261121_000006_attachments::Migration),
            Box::new(m20261121_000007_webhooks::Migration),
            Box::new(m20261121_000008_stripe::Migration),
            Box::new(m20261201_000009_hardening::Migration),
            Box::new(m20261202_000010_notifications::Migration),
            Box::new(m20261203_000011_accounts::Migration),
            Box::new(m20261204_000012_search::Migration),
            Box::new(m20261205_000013_field_capture::Migration),
            Box::new(m20261206_000014_routing_reach::Migration),
            Box::new(m20261207_000015_earned_score::Migration),
            Box::new(m20261208_000016_lead_returns::Migration),
            Box::new(m20261209_000017_routing_network::Migration),
        ]
    }
}

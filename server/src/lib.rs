//! NRP CRM server: contractors, partners, leads, offers, jobs, claims, payouts and notifications
//! behind a GraphQL API. Data flows one way: transport (`http`, `graphql`) → `services` → `store`.

pub mod access;
pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod notify;
pub mod outbound;
pub mod payments;
pub mod services;
pub mod startup;
pub mod storage;
pub mod store;
pub mod telemetry;
pub mod worker;

pub use config::Config;
pub use startup::Application;

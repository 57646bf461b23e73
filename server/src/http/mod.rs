//! HTTP transport: the GraphQL endpoint and WebSocket, health, metrics and the web app.

pub mod attachments;
pub mod customer;
pub mod graphql;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod reports;
pub mod request;
pub mod session;
pub mod stripe;
pub mod twilio;
pub mod web;
pub mod ws;
pub mod ws_guard;

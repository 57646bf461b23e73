//! Black-box tests over real HTTP against servers started on port 0. One binary, so the big
//! dependencies link once. Most tests run on both SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod access_matrix;
mod accounts;
mod attachments;
mod auth;
mod background;
mod browser;
mod browser_admin;
mod capacity;
mod claims;
mod contractors;
mod dashboard;
mod dates;
mod hardening;
mod http_contract;
mod instances;
mod jobs;
mod limits;
mod money;
mod notifications;
mod offers;
mod outbound;
mod partners;
mod payments;
mod postcodes;
mod push;
mod revocation;
mod routing;
mod schema;
mod search;
mod second_factor;
mod staff;
mod webhooks;
mod websocket;

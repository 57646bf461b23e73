//! NRP CRM web apps, client-side rendered with Leptos; every call is a typed GraphQL operation.
//!
//! Two apps share this code: the contractor app at `/` (phones on site: sign-up, offers, jobs,
//! payouts, profile) and the admin app at `/admin` (desktop: dashboard, leads, contractors, jobs,
//! claims, payouts, partners, audit). Each is its own wasm bundle, so a contractor's phone never
//! downloads the admin screens.

pub mod api;
pub mod app;
pub mod field;
pub mod gql;
pub mod lists;
pub mod nav;
pub mod pages;
pub mod push;
pub mod route;
pub mod session;
pub mod ui;
pub mod ws;

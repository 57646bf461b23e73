//! Output and input types. Output types wrap models; they are never the models themselves.

pub mod attachment;
pub mod audit;
pub mod auth;
pub mod claim;
pub mod contractor;
pub mod dashboard;
pub mod enums;
pub mod job;
pub mod lead;
pub mod lead_return;
pub mod money;
pub mod notification;
pub mod offer;
pub mod partner;
pub mod payout;
pub mod search;
pub mod user;
pub mod webhook;

use std::sync::Arc;

use async_graphql::{Context, SimpleObject};

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::graphql::loaders::{LazyLoaders, Loaders};

/// The shared state, from the schema data.
pub fn app<'a>(ctx: &Context<'a>) -> &'a AppContext {
    ctx.data_unchecked::<Arc<AppContext>>()
}

/// The request's caller and id, inserted by the HTTP layer for every request.
pub fn meta<'a>(ctx: &Context<'a>) -> &'a RequestMeta {
    ctx.data_unchecked::<RequestMeta>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<LazyLoaders>().get()
}

/// Extra fields on every connection.
#[derive(SimpleObject)]
pub struct ConnectionTotals {
    /// How many items match the filter, across all pages.
    pub total_count: u64,
}

/// Where a photo or note was taken (WGS 84), as the phone reported it.
#[derive(SimpleObject)]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
    /// The radius the phone was confident of, in metres.
    pub accuracy_metres: Option<f64>,
}

impl Position {
    /// The position kept on a row, if the phone gave one and the caller may see it (NRP and the
    /// contractor; not partners).
    pub fn seen_by(
        ctx: &Context<'_>,
        latitude: Option<f64>,
        longitude: Option<f64>,
        accuracy_m: Option<f64>,
    ) -> Option<Self> {
        if !crate::access::sees_capture_position(&meta(ctx).principal) {
            return None;
        }
        Some(Position { latitude: latitude?, longitude: longitude?, accuracy_metres: accuracy_m })
    }
}

//! Rate budgets for all GraphQL traffic, shared by every instance through Redis (each instance
//! counts on its own while Redis is away). Every operation counts against its caller (a user,
//! or an API key with the default or an admin-raised budget) and against its client address
//! (IPv6 by /64); anonymous traffic has a smaller budget per address. Over HTTP and over
//! WebSockets alike.

use std::time::Duration;

use crate::auth::{Hit, Principal, RequestMeta, client_key};
use crate::context::AppContext;
use crate::error::ServiceError;

const MINUTE: Duration = Duration::from_secs(60);

/// Where the caller's own budget stands after a request: for `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl From<Hit> for Quota {
    fn from(h: Hit) -> Self {
        Quota { limit: h.limit, remaining: h.remaining, reset_secs: h.reset.as_secs().max(1) }
    }
}

/// Counts `operations` for the caller; `RATE_LIMITED` (with when to retry) when any budget is
/// spent. The tightest budget that applies is the one reported.
pub async fn charge(ctx: &AppContext, meta: &RequestMeta, operations: u32) -> Result<Quota, ServiceError> {
    let cfg = &ctx.config;
    let address = meta.client_ip.map(client_key);
    let own = match &meta.principal {
        Principal::User { user_id, .. } => Some((format!("gql:user:{user_id}"), cfg.rate_limit_user_per_min)),
        Principal::ApiKey { key_id, rate_limit_per_minute, .. } => Some((
            format!("gql:key:{key_id}"),
            rate_limit_per_minute.and_then(|n| u32::try_from(n).ok()).unwrap_or(cfg.rate_limit_key_per_min),
        )),
        Principal::Anonymous { .. } => {
            address.as_ref().map(|a| (format!("gql:anon:{a}"), cfg.rate_limit_anonymous_per_min))
        }
        Principal::System => None,
    };
    let mut tightest: Option<Hit> = None;
    let mut refused: Option<Hit> = None;
    let address_budget = address.as_ref().map(|a| (format!("gql:addr:{a}"), cfg.rate_limit_address_per_min));
    for (key, limit) in own.into_iter().chain(address_budget) {
        let hit = ctx.limiter.hit_n(&key, operations, limit, MINUTE).await;
        if !hit.allowed && refused.is_none_or(|r| hit.reset > r.reset) {
            refused = Some(hit);
        }
        if tightest.is_none_or(|t| hit.remaining < t.remaining) {
            tightest = Some(hit);
        }
    }
    if let Some(r) = refused {
        return Err(ServiceError::RateLimited { retry_after_secs: r.reset.as_secs().max(1) });
    }
    Ok(tightest.map(Quota::from).unwrap_or(Quota { limit: u32::MAX, remaining: u32::MAX, reset_secs: 60 }))
}

/// Counts one event for `key` (a login attempt, a sign-up) against `max` per `window`.
pub async fn throttle(ctx: &AppContext, key: &str, max: u32, window: Duration) -> Result<(), ServiceError> {
    let hit = ctx.limiter.hit_n(key, 1, max, window).await;
    if hit.allowed { Ok(()) } else { Err(ServiceError::RateLimited { retry_after_secs: hit.reset.as_secs().max(1) }) }
}

/// The client address as the limits count it, or `unknown`.
pub fn address_of(meta: &RequestMeta) -> String {
    meta.client_ip.map(client_key).unwrap_or_else(|| "unknown".into())
}

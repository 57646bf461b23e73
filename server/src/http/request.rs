//! Who is calling and from where, derived once per request from its headers.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

use crate::auth::{Principal, RequestMeta};
use crate::context::AppContext;
use crate::services;

/// The request id set by the request-id layer (or sent by the client).
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(|s| s.chars().take(100).collect())
}

/// The client address: the socket peer, or, when configured to trust the one proxy in front,
/// the last `X-Forwarded-For` hop (the one that proxy appended; the hops before it are
/// whatever the client chose to send, and would let it pick its own rate-limit bucket).
pub fn client_ip(ctx: &AppContext, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
    if ctx.config.trust_forwarded_for
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
            .and_then(|v| v.parse().ok())
    {
        return Some(ip);
    }
    peer.map(|p| p.ip())
}

/// Authenticates an `Authorization` value (`Bearer <token or API key>`), the account's standing
/// included.
pub async fn principal_from(ctx: &AppContext, authorization: Option<&str>) -> Principal {
    resolve(ctx, authorization, true).await
}

/// Who an `Authorization` value names; the caller checks the account's standing itself.
pub async fn identity_from(ctx: &AppContext, authorization: Option<&str>) -> Principal {
    resolve(ctx, authorization, false).await
}

async fn resolve(ctx: &AppContext, authorization: Option<&str>, with_standing: bool) -> Principal {
    let Some(raw) = authorization.map(str::trim).filter(|s| !s.is_empty()) else {
        return Principal::anonymous();
    };
    let Some(token) = raw.strip_prefix("Bearer ").or_else(|| raw.strip_prefix("bearer ")) else {
        return Principal::Anonymous { reason: Some("the Authorization header must be `Bearer <token>`".into()) };
    };
    let found = if with_standing {
        services::auth::authenticate(ctx, token).await
    } else {
        services::auth::identify(ctx, token).await
    };
    match found {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "authentication lookup failed");
            Principal::Anonymous { reason: Some("could not check credentials; try again".into()) }
        }
    }
}

/// Everything the services need to know about an HTTP request.
pub async fn request_meta(ctx: &AppContext, headers: &HeaderMap, peer: Option<SocketAddr>) -> RequestMeta {
    let auth = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    RequestMeta {
        principal: principal_from(ctx, auth).await,
        request_id: request_id(headers),
        client_ip: client_ip(ctx, headers, peer),
        user_agent: user_agent(headers),
    }
}

/// The `User-Agent`, trimmed to what a session list shows.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    let ua = headers.get(axum::http::header::USER_AGENT)?.to_str().ok()?.trim();
    (!ua.is_empty()).then(|| ua.chars().take(300).collect())
}

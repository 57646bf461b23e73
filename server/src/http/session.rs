//! The web apps' sessions: `POST /auth/login`, `POST /auth/second-factor` (the code a login with
//! a second factor asks for), `POST /auth/refresh` and `POST /auth/logout`.
//! The refresh token travels only in a cookie that scripts cannot read (`HttpOnly`), that only
//! this site's own requests carry (`SameSite=Strict`), only to these endpoints (`Path=/auth`),
//! and only over HTTPS (`Secure`, wherever the public address is HTTPS, and always in
//! production). A script injected into a page can therefore not carry the session away. The
//! access token comes back in the JSON body, as over GraphQL. Partners keep bearer tokens: the
//! `login` and `refreshToken` mutations are unchanged.
//!
//! The endpoints take only `application/json` (a cross-site form cannot send it), and answer in
//! the GraphQL shape: `{"data": …}` or `{"errors": [{"message", "extensions": {"code", …}}]}`.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::graphql::HttpState;
use super::request::request_meta;
use crate::error::ServiceError;
use crate::services::auth::{LoginOutcome, Session};

const COOKIE: &str = "nrp_refresh";

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

#[derive(Deserialize)]
pub struct SecondFactorCode {
    challenge: String,
    code: String,
}

fn json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")))
}

/// The refresh token from the request's cookie.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

fn set_cookie(state: &HttpState, value: &str, max_age: u64) -> HeaderValue {
    let cfg = &state.ctx.config;
    let secure = cfg.is_production() || cfg.public_base_url.starts_with("https://");
    let text = format!(
        "{COOKIE}={value}; Path=/auth; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("nrp_refresh=; Path=/auth; Max-Age=0"))
}

fn error(e: &ServiceError) -> Response {
    let (status, message) = match e {
        ServiceError::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_string())
        }
        ServiceError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, e.to_string()),
        ServiceError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        ServiceError::Validation { .. } | ServiceError::InvalidInput(_) => (StatusCode::BAD_REQUEST, e.to_string()),
        _ => (StatusCode::FORBIDDEN, e.to_string()),
    };
    let mut extensions = json!({ "code": e.code() });
    match e {
        ServiceError::Validation { field, .. } => extensions["field"] = json!(field),
        ServiceError::RateLimited { retry_after_secs } => extensions["retryAfterSeconds"] = json!(retry_after_secs),
        _ => {}
    }
    (status, Json(json!({ "errors": [{ "message": message, "extensions": extensions }] }))).into_response()
}

fn signed_in(state: &HttpState, s: Session) -> Response {
    let body: Value = json!({ "data": {
        "accessToken": s.access_token,
        "expiresIn": s.expires_in_secs,
        "user": {
            "id": s.user.id,
            "email": s.user.email,
            "role": format!("{:?}", s.user.role).to_uppercase(),
            "contractorId": s.user.contractor_id,
            "companyRole": if s.user.company_role == entities::CompanyRole::Staff { "STAFF" } else { "OWNER" },
        }
    }});
    let cookie = set_cookie(state, &s.refresh_token, state.ctx.config.refresh_token_ttl.as_secs());
    ([(header::SET_COOKIE, cookie), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(body))
        .into_response()
}

fn not_json() -> Response {
    error(&ServiceError::validation("body", "send application/json"))
}

/// `POST /auth/login` with `{"email", "password"}`.
pub async fn login(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Option<Json<Credentials>>,
) -> Response {
    let (true, Some(Json(c))) = (json_body(&headers), body) else { return not_json() };
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    match crate::services::auth::login(&state.ctx, &meta, &c.email, c.password).await {
        Ok(LoginOutcome::Session(s)) => signed_in(&state, s),
        // No session yet, so no cookie: the code goes to `/auth/second-factor` with the challenge.
        Ok(LoginOutcome::SecondFactor { challenge, expires_in_secs }) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(json!({ "data": { "secondFactor": { "challenge": challenge, "expiresIn": expires_in_secs } } })),
        )
            .into_response(),
        Err(e) => error(&e),
    }
}

/// `POST /auth/second-factor` with `{"challenge", "code"}`: completes a login that asked for
/// its second factor, answering like `/auth/login`.
pub async fn second_factor(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Option<Json<SecondFactorCode>>,
) -> Response {
    let (true, Some(Json(c))) = (json_body(&headers), body) else { return not_json() };
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    match crate::services::second_factor::verify(&state.ctx, &meta, &c.challenge, &c.code).await {
        Ok(s) => signed_in(&state, s),
        Err(e) => error(&e),
    }
}

/// `POST /auth/refresh`: a new access token (and a rotated cookie) for the cookie's session.
pub async fn refresh(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !json_body(&headers) {
        return not_json();
    }
    let Some(token) = cookie(&headers) else {
        return error(&ServiceError::Unauthenticated("not signed in".into()));
    };
    let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
    match crate::services::auth::refresh(&state.ctx, &meta, &token).await {
        Ok(s) => signed_in(&state, s),
        Err(e) => {
            let mut r = error(&e);
            if matches!(e, ServiceError::Unauthenticated(_)) {
                r.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, "", 0));
            }
            r
        }
    }
}

/// `POST /auth/logout`: ends the cookie's session and clears the cookie.
pub async fn logout(
    State(state): State<HttpState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !json_body(&headers) {
        return not_json();
    }
    if let Some(token) = cookie(&headers) {
        let meta = request_meta(&state.ctx, &headers, Some(peer)).await;
        if let Err(e) = crate::services::auth::logout(&state.ctx, &meta, &token).await {
            return error(&e);
        }
    }
    ([(header::SET_COOKIE, set_cookie(&state, "", 0))], Json(json!({ "data": { "logout": true } }))).into_response()
}

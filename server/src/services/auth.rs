use chrono::{Duration, Utc};
use entities::user;
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{API_KEY_PREFIX, Principal, RequestMeta, new_refresh_token, sha256_hex};
use crate::context::AppContext;
use crate::domain::{AtField, Email};
use crate::error::{ServiceError, ServiceResult};
use crate::store;

/// What a sign-in with the right password leads to: a session, or (for a login with a second
/// factor) a short-lived challenge that `second_factor::verify` completes with a code.
#[derive(Debug)]
pub enum LoginOutcome {
    Session(Session),
    SecondFactor { challenge: String, expires_in_secs: u64 },
}

/// What a successful login or refresh returns.
#[derive(Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in_secs: u64,
    pub user: user::Model,
}

const BAD_CREDENTIALS: &str = "invalid email or password";

/// Checks email and password, counting the attempt against both the email's and the client
/// address's limits, and opens a new refresh-token family.
#[tracing::instrument(skip_all)]
pub async fn login(ctx: &AppContext, meta: &RequestMeta, email: &str, password: String) -> ServiceResult<LoginOutcome> {
    let cfg = &ctx.config;
    // Guessing is bounded per client address and per (address, email); there is deliberately
    // no limit per email alone, which would let anyone lock a user out with wrong passwords.
    let address = crate::access::limits::address_of(meta);
    limit(ctx, &format!("login:ip:{address}"), cfg.login_limit_per_ip).await?;
    let email = Email::parse(email).at("email")?;
    let pair_key = format!("login:ip-email:{address}:{}", email.as_str());
    limit(ctx, &pair_key, cfg.login_limit_per_address_email).await?;

    let found = store::users::find_by_email(&ctx.db, email.as_str()).await?;
    let ok = ctx.passwords.verify(password, found.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match found {
        Some(u) if ok && !u.disabled && !u.invite_pending => u,
        _ => return Err(ServiceError::Unauthenticated(BAD_CREDENTIALS.into())),
    };
    if let crate::access::Standing::Revoked(why) = crate::access::standing(ctx, &principal_of(&user)).await? {
        return Err(ServiceError::Unauthenticated(why.into()));
    }
    ctx.limiter.reset(&pair_key).await;
    if super::second_factor::is_on(&ctx.db, user.id).await? {
        let (challenge, expires_in_secs) = super::second_factor::challenge(ctx, meta, &user).await?;
        return Ok(LoginOutcome::SecondFactor { challenge, expires_in_secs });
    }
    open_session(ctx, meta, user, None).await.map(LoginOutcome::Session)
}

/// Opens a new session for a login whose credentials were just proven (`second_factor` names
/// the factor, when one was), in one transaction with its audit entry.
pub(crate) async fn open_session(
    ctx: &AppContext,
    meta: &RequestMeta,
    user: user::Model,
    second_factor: Option<&str>,
) -> ServiceResult<Session> {
    let txn = ctx.db.begin().await?;
    if store::users::lock(&txn, user.id).await?.is_none_or(|u| u.disabled) {
        return Err(ServiceError::Unauthenticated(BAD_CREDENTIALS.into()));
    }
    let family = Uuid::now_v7();
    let refresh = issue_refresh(&txn, ctx, user.id, family).await?;
    store::sessions::open(&txn, family, user.id, meta).await?;
    if second_factor.is_some() {
        store::sessions::mark_second_factor(&txn, family).await?;
    }
    store::users::touch_last_login(&txn, user.id).await?;
    let meta = RequestMeta { principal: principal_of(&user), ..meta.clone() };
    let changes = json!({ "session": family, "secondFactor": second_factor });
    super::audit::record(&txn, &meta, "auth.login", "user", Some(user.id), changes).await?;
    txn.commit().await?;
    session(ctx, user, refresh, family, second_factor.is_some())
}

/// Rotates a refresh token: the presented one is retired and a new one of the same family issued.
/// Presenting a retired token again means it leaked, and the whole family is revoked, except
/// within `REFRESH_REUSE_GRACE_SECS` of its rotation while the family is still live: two tabs
/// refreshing at once, or a client retrying after a lost answer, each get a session of their own.
#[tracing::instrument(skip_all)]
pub async fn refresh(ctx: &AppContext, meta: &RequestMeta, token: &str) -> ServiceResult<Session> {
    let invalid = || ServiceError::Unauthenticated("invalid refresh token".into());
    let Some(row) = store::tokens::find_by_hash(&ctx.db, &sha256_hex(token.trim())).await? else {
        return Err(invalid());
    };
    if row.expires_at <= Utc::now() {
        return Err(ServiceError::Unauthenticated("refresh token expired; please log in again".into()));
    }
    // The account's standing, read before the transaction (on SQLite the transaction holds the
    // only connection).
    let user = match store::users::find(&ctx.db, row.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => return Err(invalid()),
    };
    if let crate::access::Standing::Revoked(why) = crate::access::standing(ctx, &principal_of(&user)).await? {
        return Err(ServiceError::Unauthenticated(why.into()));
    }
    let txn = ctx.db.begin().await?;
    // Under the user's row lock: a disableUser either happened before (refused here) or waits.
    if store::users::lock(&txn, user.id).await?.is_none_or(|u| u.disabled) {
        return Err(invalid());
    }
    let won = row.revoked_at.is_none() && store::tokens::rotate_if_live(&txn, row.id).await?;
    let mut grace_reuse = false;
    if !won {
        // Read it again: a concurrent refresh may have rotated it a moment ago. The grace is
        // good for one more redemption of the token, not for any number.
        let now_row = store::tokens::find(&txn, row.id).await?.unwrap_or(row.clone());
        let grace = Duration::from_std(ctx.config.refresh_reuse_grace).unwrap_or(Duration::zero());
        let recent = now_row.rotated_at.is_some_and(|at| Utc::now() - at <= grace);
        if recent
            && store::tokens::family_live(&txn, row.family_id).await?
            && store::tokens::use_grace(&txn, row.id).await?
        {
            grace_reuse = true;
        } else {
            let revoked = store::tokens::revoke_family(&txn, row.family_id).await?;
            let meta = RequestMeta { principal: Principal::System, ..meta.clone() };
            super::audit::record(
                &txn,
                &meta,
                "auth.refresh_token_reused",
                "user",
                Some(row.user_id),
                json!({ "family": row.family_id, "revoked": revoked }),
            )
            .await?;
            let ended = crate::events::Event::Revoked(crate::events::Revocation::Session { session_id: row.family_id });
            super::commit(ctx, txn, vec![ended]).await?;
            tracing::warn!(user_id = %row.user_id, "refresh token reuse: family revoked");
            return Err(ServiceError::Unauthenticated("refresh token already used; please log in again".into()));
        }
    }
    let refresh = issue_refresh(&txn, ctx, user.id, row.family_id).await?;
    store::sessions::touch(&txn, row.family_id, row.user_id, meta).await?;
    let passed = store::sessions::find(&txn, row.family_id).await?.is_some_and(|s| s.second_factor_at.is_some());
    let meta = RequestMeta { principal: principal_of(&user), ..meta.clone() };
    super::audit::record(&txn, &meta, "auth.refresh", "user", Some(user.id), json!({ "graceReuse": grace_reuse }))
        .await?;
    txn.commit().await?;
    session(ctx, user, refresh, row.family_id, passed)
}

/// Revokes the refresh token's whole family. Unknown tokens are accepted silently.
#[tracing::instrument(skip_all)]
pub async fn logout(ctx: &AppContext, meta: &RequestMeta, token: &str) -> ServiceResult<bool> {
    let Some(row) = store::tokens::find_by_hash(&ctx.db, &sha256_hex(token.trim())).await? else {
        return Ok(true);
    };
    let txn = ctx.db.begin().await?;
    store::users::lock(&txn, row.user_id).await?;
    let revoked = store::tokens::revoke_family(&txn, row.family_id).await?;
    let mut events = vec![];
    if revoked > 0 {
        super::audit::record(&txn, meta, "auth.logout", "user", Some(row.user_id), json!({ "session": row.family_id }))
            .await?;
        events.push(crate::events::Event::Revoked(crate::events::Revocation::Session { session_id: row.family_id }));
    }
    super::commit(ctx, txn, events).await?;
    Ok(true)
}

/// Turns an `Authorization: Bearer …` credential into a principal. Never fails: bad credentials
/// give an anonymous principal that remembers why, so public operations still work.
pub async fn authenticate(ctx: &AppContext, bearer: &str) -> ServiceResult<Principal> {
    let principal = identify(ctx, bearer).await?;
    if let Principal::User { .. } = principal {
        // A signature proves who the token was issued to, not that they may still act: a
        // disabled account (or a deactivated partner's user) loses access at once.
        return Ok(match crate::access::standing(ctx, &principal).await? {
            crate::access::Standing::Revoked(why) => Principal::Anonymous { reason: Some(why.into()) },
            _ => principal,
        });
    }
    Ok(principal)
}

/// Who a credential names, without the account's current standing for a user's token (the
/// WebSocket reads that itself, to tell a revoked account, 4403, from bad credentials, 4401).
pub async fn identify(ctx: &AppContext, bearer: &str) -> ServiceResult<Principal> {
    let bearer = bearer.trim();
    if !bearer.starts_with(API_KEY_PREFIX) {
        return Ok(match ctx.jwt.verify(bearer) {
            Ok(c) => Principal::User {
                user_id: c.sub,
                email: c.email,
                role: c.role,
                contractor_id: c.cid,
                partner_id: c.pid,
                session_id: c.sid,
                enrol_first: c.enr,
                staff: c.stf,
            },
            Err(reason) => Principal::Anonymous { reason: Some(reason) },
        });
    }
    let anon = |reason: &str| Ok(Principal::Anonymous { reason: Some(reason.into()) });
    let Some((key, partner)) = store::partners::find_api_key_by_hash(&ctx.db, &sha256_hex(bearer)).await? else {
        return anon("invalid API key");
    };
    if key.revoked_at.is_some() {
        return anon("API key revoked");
    }
    if key.expires_at.is_some_and(|e| e <= Utc::now()) {
        return anon("API key expired");
    }
    if !partner.active {
        return anon("partner deactivated");
    }
    store::partners::touch_api_key(&ctx.db, key.id).await?;
    Ok(Principal::ApiKey {
        key_id: key.id,
        partner_id: partner.id,
        partner_kind: partner.kind,
        label: key.label,
        rate_limit_per_minute: key.rate_limit_per_minute,
    })
}

/// The principal a user's access token would carry.
pub fn principal_of(u: &user::Model) -> Principal {
    Principal::User {
        user_id: u.id,
        email: u.email.clone(),
        role: u.role,
        contractor_id: u.contractor_id,
        partner_id: u.partner_id,
        session_id: None,
        enrol_first: false,
        staff: u.company_role == entities::CompanyRole::Staff,
    }
}

async fn limit(ctx: &AppContext, key: &str, max: u32) -> ServiceResult<()> {
    crate::access::limits::throttle(ctx, key, max, ctx.config.login_limit_window).await
}

async fn issue_refresh(
    db: &impl sea_orm::ConnectionTrait,
    ctx: &AppContext,
    user_id: Uuid,
    family_id: Uuid,
) -> ServiceResult<String> {
    let token = new_refresh_token();
    let ttl = Duration::seconds(ctx.config.refresh_token_ttl.as_secs() as i64);
    store::tokens::insert(db, user_id, family_id, sha256_hex(&token), Utc::now() + ttl).await?;
    Ok(token)
}

fn session(
    ctx: &AppContext,
    user: user::Model,
    refresh_token: String,
    family: Uuid,
    passed_second_factor: bool,
) -> ServiceResult<Session> {
    let enrol_first =
        user.role == entities::Role::Admin && ctx.config.admin_second_factor_required && !passed_second_factor;
    let access_token = ctx.jwt.issue(&crate::auth::Subject {
        user_id: user.id,
        email: &user.email,
        role: user.role,
        contractor_id: user.contractor_id,
        partner_id: user.partner_id,
        session_id: Some(family),
        enrol_first,
        staff: user.company_role == entities::CompanyRole::Staff,
    })?;
    Ok(Session { access_token, refresh_token, expires_in_secs: ctx.jwt.ttl().as_secs(), user })
}

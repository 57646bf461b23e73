//! A second factor for sign-in: TOTP (RFC 6238: SHA-1, six digits, 30-second steps, one step
//! either side), enrolled with a QR code or the key typed in, confirmed with a first code, and
//! backed by ten single-use recovery codes shown once. A sign-in with the right password gets a
//! short-lived challenge instead of a session; a code completes it. Codes are counted per
//! challenge and per login, and a code is never accepted twice (nor one older than the last
//! accepted). The secret is kept sealed, the recovery codes and challenges hashed.

use chrono::{Duration, Utc};
use entities::{Role, login_challenge, recovery_code, second_factor, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::json;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use super::accounts::own;
use super::auth::Session;
use super::notifications::{self, Outgoing, templates};
use crate::auth::{Principal, RequestMeta, constant_time_eq, new_refresh_token, sha256_hex};
use crate::context::AppContext;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, Revocation};
use crate::store;

/// How an authenticator app names the account.
pub const ISSUER: &str = "NRP";
/// A sign-in's challenge lives this long.
pub const CHALLENGE_MINUTES: i64 = 5;
/// Codes one challenge takes before the sign-in must start again.
const CHALLENGE_TRIES: i32 = 5;
/// How many recovery codes a login gets.
pub const RECOVERY_CODES: usize = 10;
const STEP_SECS: u64 = 30;

fn internal(m: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("{m}"))
}

fn totp(secret: Vec<u8>, account: &str) -> ServiceResult<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS, secret, Some(ISSUER.into()), account.replace(':', " "))
        .map_err(internal)
}

fn now_secs() -> u64 {
    u64::try_from(Utc::now().timestamp()).unwrap_or(0)
}

/// Whether the login has a confirmed second factor.
pub async fn is_on(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<bool> {
    Ok(factor(db, user_id).await?.is_some_and(|f| f.confirmed_at.is_some()))
}

async fn factor(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Option<second_factor::Model>> {
    Ok(second_factor::Entity::find_by_id(user_id).one(db).await?)
}

/// What a person sees of their second factor.
#[derive(Debug, Clone)]
pub struct Status {
    pub on: bool,
    pub recovery_codes_left: u64,
    /// NRP requires one for this login.
    pub required: bool,
}

pub async fn status(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Status> {
    let (user_id, _) = own(meta)?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    let left = recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(&ctx.db)
        .await?;
    Ok(Status { on: is_on(&ctx.db, user_id).await?, recovery_codes_left: left, required: required(ctx, &user) })
}

fn required(ctx: &AppContext, user: &user::Model) -> bool {
    user.role == Role::Admin && ctx.config.admin_second_factor_required
}

/// A second factor being set up: the key to scan or type, not yet in force.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub uri: String,
    /// The QR code of `uri`, as an SVG document.
    pub qr_svg: String,
}

/// Starts (or starts again) setting up a second factor: a new key, in force once a first code
/// from it comes back (`confirm`). Refused while one is on.
#[tracing::instrument(skip_all)]
pub async fn enrol(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Enrolment> {
    let (user_id, _) = own(meta)?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if is_on(&ctx.db, user_id).await? {
        return Err(ServiceError::conflict("a second factor is already on; turn it off first to set up another"));
    }
    let mut key = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    let t = totp(key, &user.email)?;
    let secret = t.get_secret_base32();
    let sealed = ctx.config.secret_box.seal(user_id, &secret).map_err(internal)?;
    let txn = ctx.db.begin().await?;
    second_factor::Entity::delete_by_id(user_id).exec(&txn).await?;
    second_factor::ActiveModel {
        user_id: Set(user_id),
        secret: Set(sealed),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    super::audit::record(&txn, meta, "auth.second_factor_started", "user", Some(user_id), json!({})).await?;
    txn.commit().await?;
    let uri = t.get_url();
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map_err(internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(Enrolment { secret, uri, qr_svg })
}

/// What a code proved.
enum Proof {
    Totp,
    Recovery,
}

impl Proof {
    fn name(&self) -> &'static str {
        match self {
            Proof::Totp => "totp",
            Proof::Recovery => "recovery code",
        }
    }
}

fn bad_code(m: &str) -> ServiceError {
    ServiceError::validation("code", m)
}

/// Checks a code against the login's factor: six digits from the authenticator (this step or
/// one either side, and only a step newer than the last accepted), or an unused recovery code
/// (when `recovery` is allowed). Spends what it accepts, atomically: of two uses at once, one
/// wins.
async fn prove(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    f: &second_factor::Model,
    account: &str,
    code: &str,
    recovery: bool,
) -> ServiceResult<Proof> {
    let typed: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if typed.len() == 6 && typed.chars().all(|c| c.is_ascii_digit()) {
        let secret = ctx.config.secret_box.open(f.user_id, &f.secret).map_err(internal)?;
        let key = totp_rs::Secret::Encoded(secret).to_bytes().map_err(|e| internal(format!("{e:?}")))?;
        let t = totp(key, account)?;
        let now = now_secs();
        let step = [now.saturating_sub(STEP_SECS), now, now + STEP_SECS]
            .into_iter()
            .find(|at| constant_time_eq(t.generate(*at).as_bytes(), typed.as_bytes()))
            .map(|at| i64::try_from(at / STEP_SECS).unwrap_or(i64::MAX));
        let Some(step) = step else { return Err(bad_code("that code is not right")) };
        let fresh = second_factor::Entity::update_many()
            .col_expr(second_factor::Column::LastStep, Expr::value(Some(step)))
            .filter(second_factor::Column::UserId.eq(f.user_id))
            .filter(
                Condition::any()
                    .add(second_factor::Column::LastStep.is_null())
                    .add(second_factor::Column::LastStep.lt(step)),
            )
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if !fresh {
            return Err(bad_code("that code was used already; wait for the next one"));
        }
        return Ok(Proof::Totp);
    }
    if !recovery {
        return Err(bad_code("enter the six digits your authenticator app shows"));
    }
    let normal = typed.to_ascii_lowercase();
    if normal.len() != 10 || !normal.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad_code("enter the six digits your authenticator app shows, or a recovery code"));
    }
    let hash = recovery_hash(f.user_id, &normal);
    let spent = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(Some(Utc::now())))
        .filter(recovery_code::Column::UserId.eq(f.user_id))
        .filter(recovery_code::Column::CodeHash.eq(hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        >= 1;
    if !spent {
        return Err(bad_code("that recovery code is not right, or was used already"));
    }
    Ok(Proof::Recovery)
}

fn recovery_hash(user_id: Uuid, normal: &str) -> String {
    sha256_hex(&format!("{user_id}:{normal}"))
}

/// Ten new recovery codes (`xxxxx-xxxxx`, letters and digits that cannot be misread), replacing
/// any the login had. Returns them to show once.
async fn new_recovery_codes(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Vec<String>> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(db).await?;
    let mut shown = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 10];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let code: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
        recovery_code::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            code_hash: Set(recovery_hash(user_id, &code)),
            used_at: Set(None),
        }
        .insert(db)
        .await?;
        shown.push(format!("{}-{}", &code[..5], &code[5..]));
    }
    Ok(shown)
}

/// Code attempts per window, across challenges (someone holding the password cannot start
/// challenge after challenge to keep guessing): per login and client address, and five times that
/// per login from everywhere, so guesses from one place cannot lock the owner out elsewhere.
async fn throttle(ctx: &AppContext, meta: &RequestMeta, user_id: Uuid) -> ServiceResult<()> {
    let cfg = &ctx.config;
    let address = crate::access::limits::address_of(meta);
    let (per_place, window) = (cfg.login_limit_per_address_email, cfg.login_limit_window);
    crate::access::limits::throttle(ctx, &place_key(user_id, &address), per_place, window).await?;
    crate::access::limits::throttle(ctx, &format!("second-factor:{user_id}"), per_place.saturating_mul(5), window).await
}

fn place_key(user_id: Uuid, address: &str) -> String {
    format!("second-factor:{user_id}:{address}")
}

fn account_email(user: &user::Model, what: &str) -> Outgoing {
    Outgoing::account_email(user, templates::ACCOUNT_SECOND_FACTOR, templates::account_second_factor(what))
}

/// Confirms the factor being set up with a first code from it; the factor is then in force, the
/// session asking counts as having passed it, and ten recovery codes come back (shown once).
#[tracing::instrument(skip_all)]
pub async fn confirm(ctx: &AppContext, meta: &RequestMeta, code: &str) -> ServiceResult<Vec<String>> {
    let (user_id, session) = own(meta)?;
    throttle(ctx, meta, user_id).await?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    let f = factor(&ctx.db, user_id)
        .await?
        .filter(|f| f.confirmed_at.is_none())
        .ok_or_else(|| ServiceError::conflict("nothing is being set up: start with enrolSecondFactor"))?;
    let txn = ctx.db.begin().await?;
    prove(ctx, &txn, &f, &user.email, code, false).await?;
    let confirmed = second_factor::Entity::update_many()
        .col_expr(second_factor::Column::ConfirmedAt, Expr::value(Some(Utc::now())))
        .filter(second_factor::Column::UserId.eq(user_id))
        .filter(second_factor::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !confirmed {
        return Err(ServiceError::conflict("the second factor was confirmed already"));
    }
    let codes = new_recovery_codes(&txn, user_id).await?;
    if let Some(s) = session {
        store::sessions::mark_second_factor(&txn, s).await?;
    }
    notifications::enqueue(ctx, &txn, vec![account_email(&user, "turned on")]).await?;
    super::audit::record(&txn, meta, "auth.second_factor_on", "user", Some(user_id), json!({})).await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(codes)
}

/// Replaces the recovery codes, with a current code as proof. Returns the new ones.
#[tracing::instrument(skip_all)]
pub async fn new_recovery(ctx: &AppContext, meta: &RequestMeta, code: &str) -> ServiceResult<Vec<String>> {
    let (user_id, _) = own(meta)?;
    throttle(ctx, meta, user_id).await?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    let f = factor(&ctx.db, user_id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
        .ok_or_else(|| ServiceError::conflict("no second factor is on"))?;
    let txn = ctx.db.begin().await?;
    prove(ctx, &txn, &f, &user.email, code, false).await?;
    let codes = new_recovery_codes(&txn, user_id).await?;
    super::audit::record(&txn, meta, "auth.recovery_codes_replaced", "user", Some(user_id), json!({})).await?;
    txn.commit().await?;
    Ok(codes)
}

/// Turns the caller's second factor off, with a current code or a recovery code as proof. Not
/// for a login NRP requires one of.
#[tracing::instrument(skip_all)]
pub async fn turn_off(ctx: &AppContext, meta: &RequestMeta, code: &str) -> ServiceResult<()> {
    let (user_id, _) = own(meta)?;
    throttle(ctx, meta, user_id).await?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if required(ctx, &user) {
        return Err(ServiceError::conflict("NRP requires a second factor for admins; it cannot be turned off"));
    }
    let f = factor(&ctx.db, user_id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
        .ok_or_else(|| ServiceError::conflict("no second factor is on"))?;
    let txn = ctx.db.begin().await?;
    prove(ctx, &txn, &f, &user.email, code, true).await?;
    remove(&txn, user_id).await?;
    notifications::enqueue(ctx, &txn, vec![account_email(&user, "turned off")]).await?;
    super::audit::record(&txn, meta, "auth.second_factor_off", "user", Some(user_id), json!({})).await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(())
}

async fn remove(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<()> {
    second_factor::Entity::delete_by_id(user_id).exec(db).await?;
    recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// Admin: removes another login's second factor (a lost phone), ends that login's sessions
/// everywhere and tells it by email. Audited. The login sets up a new one when it next signs in
/// (an admin must, before acting as one).
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn reset(ctx: &AppContext, meta: &RequestMeta, id: Uuid, reason: Option<String>) -> ServiceResult<()> {
    meta.principal.require_admin()?;
    if matches!(&meta.principal, Principal::User { user_id, .. } if *user_id == id) {
        return Err(ServiceError::validation("userId", "another admin resets your own second factor"));
    }
    let txn = ctx.db.begin().await?;
    let user = store::users::lock(&txn, id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if factor(&txn, id).await?.is_none() {
        return Err(ServiceError::conflict("this login has no second factor"));
    }
    remove(&txn, id).await?;
    super::accounts::retire_secrets(&txn, id).await?;
    let ended = store::tokens::revoke_user_except(&txn, id, None).await?;
    notifications::enqueue(ctx, &txn, vec![account_email(&user, "reset by NRP")]).await?;
    super::audit::record(
        &txn,
        meta,
        "auth.second_factor_reset",
        "user",
        Some(id),
        json!({ "email": user.email, "reason": reason, "sessionsEnded": ended.len() }),
    )
    .await?;
    super::commit(ctx, txn, vec![Event::Revoked(Revocation::Sessions { user_id: id, except: None })]).await?;
    ctx.notifications_queued.notify_one();
    Ok(())
}

/// After the password: a challenge for the second factor. Returns its token (once) and how many
/// seconds it lives.
pub async fn challenge(ctx: &AppContext, meta: &RequestMeta, user: &user::Model) -> ServiceResult<(String, u64)> {
    let token = new_refresh_token();
    let now = Utc::now();
    let txn = ctx.db.begin().await?;
    login_challenge::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        token_hash: Set(sha256_hex(&token)),
        attempts: Set(0),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(CHALLENGE_MINUTES)),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let meta = RequestMeta { principal: super::auth::principal_of(user), ..meta.clone() };
    super::audit::record(&txn, &meta, "auth.second_factor_challenged", "user", Some(user.id), json!({})).await?;
    txn.commit().await?;
    Ok((token, (CHALLENGE_MINUTES * 60) as u64))
}

/// Completes a sign-in with the code its challenge waits for: a session, like `login`'s.
#[tracing::instrument(skip_all)]
pub async fn verify(ctx: &AppContext, meta: &RequestMeta, challenge: &str, code: &str) -> ServiceResult<Session> {
    let gone = || ServiceError::Unauthenticated("this sign-in has expired or was used; sign in again".into());
    let token = challenge.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(gone());
    }
    let Some(c) = login_challenge::Entity::find()
        .filter(login_challenge::Column::TokenHash.eq(sha256_hex(token)))
        .one(&ctx.db)
        .await?
    else {
        return Err(gone());
    };
    if c.used_at.is_some() || c.expires_at <= Utc::now() || c.attempts >= CHALLENGE_TRIES {
        return Err(gone());
    }
    throttle(ctx, meta, c.user_id).await?;
    let user = match store::users::find(&ctx.db, c.user_id).await? {
        Some(u) if !u.disabled => u,
        _ => return Err(gone()),
    };
    let f = factor(&ctx.db, user.id).await?.filter(|f| f.confirmed_at.is_some()).ok_or_else(gone)?;
    // Every try counts, atomically: parallel guesses cannot share one count.
    let counted = login_challenge::Entity::update_many()
        .col_expr(login_challenge::Column::Attempts, Expr::col(login_challenge::Column::Attempts).add(1))
        .filter(login_challenge::Column::Id.eq(c.id))
        .filter(login_challenge::Column::Attempts.lt(CHALLENGE_TRIES))
        .filter(login_challenge::Column::UsedAt.is_null())
        .exec(&ctx.db)
        .await?
        .rows_affected
        == 1;
    if !counted {
        return Err(gone());
    }
    let proof = match prove(ctx, &ctx.db, &f, &user.email, code, true).await {
        Ok(p) => p,
        Err(ServiceError::Validation { message, .. }) => {
            let left = CHALLENGE_TRIES - c.attempts - 1;
            let message =
                if left > 0 { format!("{message} ({left} tries left)") } else { format!("{message}; sign in again") };
            return Err(bad_code(&message));
        }
        Err(e) => return Err(e),
    };
    let spent = login_challenge::Entity::update_many()
        .col_expr(login_challenge::Column::UsedAt, Expr::value(Some(Utc::now())))
        .filter(login_challenge::Column::Id.eq(c.id))
        .filter(login_challenge::Column::UsedAt.is_null())
        .exec(&ctx.db)
        .await?
        .rows_affected
        == 1;
    if !spent {
        return Err(gone());
    }
    ctx.limiter.reset(&place_key(user.id, &crate::access::limits::address_of(meta))).await;
    super::auth::open_session(ctx, meta, user, Some(proof.name())).await
}

/// Re-seals every TOTP key not sealed under the current key (only where nobody changed it
/// meanwhile). Returns how many were re-sealed, and those that could not be.
pub async fn reseal(ctx: &AppContext) -> ServiceResult<(usize, Vec<String>)> {
    let boxed = &ctx.config.secret_box;
    let (mut n, mut failed) = (0, Vec::new());
    for f in second_factor::Entity::find().all(&ctx.db).await? {
        if boxed.is_current(&f.secret) {
            continue;
        }
        match boxed.open(f.user_id, &f.secret).and_then(|plain| boxed.seal(f.user_id, &plain)) {
            Ok(sealed) => {
                n += second_factor::Entity::update_many()
                    .col_expr(second_factor::Column::Secret, Expr::value(sealed))
                    .filter(second_factor::Column::UserId.eq(f.user_id))
                    .filter(second_factor::Column::Secret.eq(f.secret.clone()))
                    .exec(&ctx.db)
                    .await?
                    .rows_affected as usize;
            }
            Err(why) => failed.push(format!("second factor of user {}: {why}", f.user_id)),
        }
    }
    Ok((n, failed))
}

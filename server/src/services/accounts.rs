//! The account lifecycle people run themselves: forgotten and changed passwords, proving the
//! login's email, and seeing and ending their sessions. Every secret sent by email is a
//! single-use link whose token is kept only as a SHA-256 hash; a newer link of the same purpose
//! retires the older ones.

use chrono::{Duration, Utc};
use entities::{LinkPurpose, NotificationAudience, NotificationChannel, session, user};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::notifications::{self, Outgoing, templates};
use crate::auth::{Principal, RequestMeta, new_refresh_token, sha256_hex};
use crate::context::AppContext;
use crate::domain::{AtField, Email, Password};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, Revocation};
use crate::store;

/// How long a password-reset link works.
pub const RESET_MINUTES: i64 = 30;
/// How long an email-verification link works.
pub const VERIFY_HOURS: i64 = 48;
/// Emails about one address per hour, whoever asks (reset links, "someone tried to sign up"):
/// more requests are answered the same way and send nothing.
const EMAILS_PER_ADDRESS_PER_HOUR: u32 = 5;

/// The web app's page a link opens, with its token.
fn link(ctx: &AppContext, page: &str, token: &str) -> String {
    format!("{}/{page}?token={token}", ctx.config.public_base_url.trim_end_matches('/'))
}

/// Whether one more email about this address may go this hour (silently capped: the caller
/// answers the same either way).
async fn address_allowance(ctx: &AppContext, email: &str) -> bool {
    let key = format!("account-mail:{email}");
    let window = std::time::Duration::from_secs(3600);
    crate::access::limits::throttle(ctx, &key, EMAILS_PER_ADDRESS_PER_HOUR, window).await.is_ok()
}

fn email_channel(ctx: &AppContext) -> ServiceResult<()> {
    if ctx.channels.has(NotificationChannel::Email) {
        Ok(())
    } else {
        Err(ServiceError::conflict("this server sends no email (SMTP_URL is not set); ask NRP to reset your password"))
    }
}

/// Writes a new single-use link for the login, retiring its older ones of the same purpose.
/// Returns the token (to put in the email; never stored).
async fn new_link(
    db: &impl ConnectionTrait,
    user: &user::Model,
    purpose: LinkPurpose,
    email: &str,
    ttl: Duration,
) -> ServiceResult<String> {
    let token = new_refresh_token();
    store::account_links::replace(db, user.id, purpose, sha256_hex(&token), email.to_string(), Utc::now() + ttl)
        .await?;
    Ok(token)
}

/// Anyone: asks for a password-reset link. The answer is the same whether or not the address
/// has a login, and comes before the lookup is done (the work runs on its own task), so neither
/// the body nor the time tells a stranger who is registered. Bounded per client address; at most
/// five emails an hour reach one address.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(ctx: &AppContext, meta: &RequestMeta, email: &str) -> ServiceResult<()> {
    let email = Email::parse(email).at("email")?;
    email_channel(ctx)?;
    let address = crate::access::limits::address_of(meta);
    let cfg = &ctx.config;
    crate::access::limits::throttle(
        ctx,
        &format!("reset:ip:{address}"),
        cfg.login_limit_per_ip,
        cfg.login_limit_window,
    )
    .await?;
    let ctx = ctx.clone();
    let meta = meta.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset(&ctx, &meta, email.as_str()).await {
            tracing::error!(error = %e, "a password-reset request failed");
        }
        ctx.reset_requests_done.send_modify(|n| *n += 1);
    });
    Ok(())
}

async fn send_reset(ctx: &AppContext, meta: &RequestMeta, email: &str) -> ServiceResult<()> {
    let Some(user) = store::users::find_by_email(&ctx.db, email).await? else { return Ok(()) };
    // A pending invitation is accepted from its own link (which names the company), never by a
    // reset that would slip the person into a company they did not choose.
    if user.disabled || user.invite_pending || !address_allowance(ctx, email).await {
        return Ok(());
    }
    let txn = ctx.db.begin().await?;
    let token = new_link(&txn, &user, LinkPurpose::Reset, &user.email, Duration::minutes(RESET_MINUTES)).await?;
    let message = templates::account_reset(&link(ctx, "account/reset-password", &token), RESET_MINUTES);
    notifications::enqueue(ctx, &txn, vec![Outgoing::account_email(&user, templates::ACCOUNT_RESET, message)]).await?;
    let meta = RequestMeta { principal: Principal::System, ..meta.clone() };
    super::audit::record(&txn, &meta, "auth.password_reset_requested", "user", Some(user.id), json!({})).await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(())
}

/// Ends what was under way with the old password or address: sign-ins waiting for a second
/// factor, and unused reset and change-of-address links.
pub(crate) async fn retire_secrets(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<()> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entities::login_challenge::Entity::delete_many()
        .filter(entities::login_challenge::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    for purpose in [LinkPurpose::Reset, LinkPurpose::NewEmail] {
        store::account_links::retire(db, user_id, purpose).await?;
    }
    Ok(())
}

/// Finds a live link of this purpose by its token, or says why it does not work.
pub(crate) async fn live_link(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: LinkPurpose,
) -> ServiceResult<entities::account_link::Model> {
    let bad = |m: &str| ServiceError::validation("token", m);
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(bad("this link is not valid; ask for a new one"));
    }
    let Some(l) = store::account_links::find_by_hash(db, &sha256_hex(token)).await? else {
        return Err(bad("this link is not valid; ask for a new one"));
    };
    // A confirmation link is one of two kinds: a sign-up's, or a change of address.
    let accepted = l.purpose == purpose || (purpose == LinkPurpose::Verify && l.purpose == LinkPurpose::NewEmail);
    if !accepted {
        return Err(bad("this link is not valid; ask for a new one"));
    }
    if l.used_at.is_some() {
        return Err(bad("this link was used already, or a newer one replaced it; ask for a new one"));
    }
    if l.expires_at <= Utc::now() {
        return Err(bad("this link has expired; ask for a new one"));
    }
    Ok(l)
}

/// Anyone holding a reset link: sets a new password (the password rules apply), ends every
/// session of the login on every instance, and proves the email (the link reached it). Audited;
/// the login's address hears of the change.
#[tracing::instrument(skip_all)]
pub async fn reset_password(ctx: &AppContext, meta: &RequestMeta, token: &str, password: &str) -> ServiceResult<()> {
    let password = Password::parse(password).at("password")?;
    let found = live_link(&ctx.db, token, LinkPurpose::Reset).await?;
    let hash = ctx.passwords.hash(password.expose().to_string()).await?;
    let txn = ctx.db.begin().await?;
    let user = store::users::lock(&txn, found.user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if user.disabled {
        return Err(ServiceError::validation("token", "this login is disabled; ask NRP"));
    }
    if found.email != user.email {
        return Err(ServiceError::validation("token", "this link went to an address this login no longer uses"));
    }
    if !store::account_links::spend(&txn, found.id).await? {
        return Err(ServiceError::validation("token", "this link was used already; ask for a new one"));
    }
    store::users::set_password(&txn, user.id, hash).await?;
    let ended = store::tokens::revoke_user_except(&txn, user.id, None).await?;
    retire_secrets(&txn, user.id).await?;
    notifications::settings::mark_email_proven(&txn, user.id, Utc::now()).await?;
    let message = templates::account_password_changed("reset with an emailed link");
    notifications::enqueue(
        ctx,
        &txn,
        vec![Outgoing::account_email(&user, templates::ACCOUNT_PASSWORD_CHANGED, message)],
    )
    .await?;
    let meta = RequestMeta { principal: super::auth::principal_of(&user), ..meta.clone() };
    super::audit::record(
        &txn,
        &meta,
        "auth.password_reset",
        "user",
        Some(user.id),
        json!({ "sessionsEnded": ended.len() }),
    )
    .await?;
    let events = vec![Event::Revoked(Revocation::Sessions { user_id: user.id, except: None })];
    commit_and_wake(ctx, txn, events).await
}

async fn commit_and_wake(ctx: &AppContext, txn: sea_orm::DatabaseTransaction, events: Vec<Event>) -> ServiceResult<()> {
    super::commit(ctx, txn, events).await?;
    ctx.notifications_queued.notify_one();
    Ok(())
}

/// The signed-in person asking, and the session they ask from.
pub(crate) fn own(meta: &RequestMeta) -> ServiceResult<(Uuid, Option<Uuid>)> {
    match &meta.principal {
        Principal::User { user_id, session_id, .. } => Ok((*user_id, *session_id)),
        Principal::Anonymous { reason } => {
            Err(ServiceError::Unauthenticated(reason.clone().unwrap_or_else(|| "authentication required".into())))
        }
        _ => Err(ServiceError::Forbidden("only a signed-in person has a password and sessions".into())),
    }
}

/// A signed-in person: changes the password, knowing the current one. Every other session of
/// the login ends; this one stays. Wrong guesses count like failed sign-ins.
#[tracing::instrument(skip_all)]
pub async fn change_password(ctx: &AppContext, meta: &RequestMeta, current: &str, new: &str) -> ServiceResult<()> {
    let (user_id, session) = own(meta)?;
    let new = Password::parse(new).at("newPassword")?;
    let cfg = &ctx.config;
    let key = format!("change-password:{user_id}");
    crate::access::limits::throttle(ctx, &key, cfg.login_limit_per_address_email, cfg.login_limit_window).await?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if !ctx.passwords.verify(current.to_string(), Some(user.password_hash.clone())).await? {
        return Err(ServiceError::validation("currentPassword", "that is not your current password"));
    }
    if current == new.expose() {
        return Err(ServiceError::validation("newPassword", "choose a password different from the current one"));
    }
    ctx.limiter.reset(&key).await;
    let hash = ctx.passwords.hash(new.expose().to_string()).await?;
    let txn = ctx.db.begin().await?;
    let user = store::users::lock(&txn, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    store::users::set_password(&txn, user.id, hash).await?;
    let ended = store::tokens::revoke_user_except(&txn, user.id, session).await?;
    retire_secrets(&txn, user.id).await?;
    let message = templates::account_password_changed("changed while signed in");
    notifications::enqueue(
        ctx,
        &txn,
        vec![Outgoing::account_email(&user, templates::ACCOUNT_PASSWORD_CHANGED, message)],
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "auth.password_changed",
        "user",
        Some(user.id),
        json!({ "sessionsEnded": ended.len() }),
    )
    .await?;
    let events = vec![Event::Revoked(Revocation::Sessions { user_id: user.id, except: session })];
    commit_and_wake(ctx, txn, events).await
}

/// Writes a verification link for the login's email, in the caller's transaction. Nothing is
/// written when this server sends no email.
pub async fn queue_verification(ctx: &AppContext, db: &impl ConnectionTrait, user: &user::Model) -> ServiceResult<()> {
    if !ctx.channels.has(NotificationChannel::Email) {
        return Ok(());
    }
    let token = new_link(db, user, LinkPurpose::Verify, &user.email, Duration::hours(VERIFY_HOURS)).await?;
    let message = templates::account_verify(&link(ctx, "account/verify-email", &token), VERIFY_HOURS);
    notifications::enqueue(ctx, db, vec![Outgoing::account_email(user, templates::ACCOUNT_VERIFY, message)]).await?;
    Ok(())
}

/// Writes the "someone tried to sign up with your address" email, in the caller's transaction
/// (capped per address per hour).
pub async fn queue_signup_attempt(
    ctx: &AppContext,
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> ServiceResult<()> {
    if user.disabled || !address_allowance(ctx, &user.email).await {
        return Ok(());
    }
    let message = templates::account_signup_exists(&format!(
        "{}/account/forgot-password",
        ctx.config.public_base_url.trim_end_matches('/')
    ));
    notifications::enqueue(ctx, db, vec![Outgoing::account_email(user, templates::ACCOUNT_SIGNUP_EXISTS, message)])
        .await?;
    Ok(())
}

/// Writes the "that ABN already has an account" email to an address a sign-up named (capped
/// per address per hour), in the caller's transaction.
pub async fn queue_abn_taken(ctx: &AppContext, db: &impl ConnectionTrait, email: &str, abn: &str) -> ServiceResult<()> {
    if !address_allowance(ctx, email).await {
        return Ok(());
    }
    let message = templates::account_signup_abn_taken(abn);
    let o = Outgoing::new(
        NotificationChannel::Email,
        templates::ACCOUNT_SIGNUP_ABN_TAKEN,
        NotificationAudience::Customer,
        email.to_string(),
        message,
    );
    notifications::enqueue(ctx, db, vec![o]).await?;
    Ok(())
}

/// A signed-in person: sends a new link to prove the login's email (five an hour).
#[tracing::instrument(skip_all)]
pub async fn resend_verification(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<()> {
    let (user_id, _) = own(meta)?;
    if !ctx.channels.has(NotificationChannel::Email) {
        return Err(ServiceError::conflict("this server sends no email (SMTP_URL is not set)"));
    }
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if notifications::settings::email_proven(&ctx.db, user_id).await? {
        return Err(ServiceError::conflict("your email is already confirmed"));
    }
    let window = std::time::Duration::from_secs(3600);
    crate::access::limits::throttle(ctx, &format!("verify-link:{user_id}"), 5, window).await?;
    let txn = ctx.db.begin().await?;
    queue_verification(ctx, &txn, &user).await?;
    super::audit::record(&txn, meta, "auth.email_verification_sent", "user", Some(user.id), json!({})).await?;
    commit_and_wake(ctx, txn, vec![]).await
}

/// Anyone holding a confirmation link: proves the email it was sent to. A sign-up's link proves
/// the login's address; a change-of-address link moves the login to the new address (proven by
/// the link reaching it) and tells the old one. Returns the address proven.
#[tracing::instrument(skip_all)]
pub async fn verify_email(ctx: &AppContext, meta: &RequestMeta, token: &str) -> ServiceResult<String> {
    let found = live_link(&ctx.db, token, LinkPurpose::Verify).await?;
    let txn = ctx.db.begin().await?;
    let user = store::users::lock(&txn, found.user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    let moving = found.purpose == LinkPurpose::NewEmail;
    if !moving && user.email != found.email {
        return Err(ServiceError::validation("token", "this link was for an address this login no longer uses"));
    }
    if moving && store::users::email_taken(&txn, &found.email).await? {
        return Err(ServiceError::validation("token", "that address has an NRP login of its own now"));
    }
    if !store::account_links::spend(&txn, found.id).await? {
        return Err(ServiceError::validation("token", "this link was used already; ask for a new one"));
    }
    if moving {
        store::users::set_email(&txn, user.id, &found.email).await?;
        // Links and sign-ins under way for the old address end with it.
        retire_secrets(&txn, user.id).await?;
        let told = templates::account_email_changed(&found.email);
        notifications::enqueue(ctx, &txn, vec![Outgoing::account_email(&user, templates::ACCOUNT_EMAIL_CHANGED, told)])
            .await?;
    }
    notifications::settings::mark_email_proven(&txn, user.id, Utc::now()).await?;
    let meta = RequestMeta { principal: super::auth::principal_of(&user), ..meta.clone() };
    let (action, changes) = if moving {
        ("auth.email_changed", json!({ "from": user.email, "to": found.email }))
    } else {
        ("auth.email_verified", json!({ "email": user.email }))
    };
    super::audit::record(&txn, &meta, action, "user", Some(user.id), changes).await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(found.email)
}

/// A signed-in person: asks to move the login to a new email address, the password as proof.
/// The address changes when the link sent to it is opened; until then the old one stays.
#[tracing::instrument(skip_all)]
pub async fn change_email(ctx: &AppContext, meta: &RequestMeta, password: &str, email: &str) -> ServiceResult<()> {
    let (user_id, _) = own(meta)?;
    let email = Email::parse(email).at("email")?;
    if !ctx.channels.has(NotificationChannel::Email) {
        return Err(ServiceError::conflict("this server sends no email (SMTP_URL is not set); ask NRP to change it"));
    }
    let cfg = &ctx.config;
    let key = format!("change-email:{user_id}");
    crate::access::limits::throttle(ctx, &key, cfg.login_limit_per_address_email, cfg.login_limit_window).await?;
    let user = store::users::find(&ctx.db, user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if !ctx.passwords.verify(password.to_string(), Some(user.password_hash.clone())).await? {
        return Err(ServiceError::validation("password", "that is not your password"));
    }
    if email.as_str() == user.email {
        return Err(ServiceError::validation("email", "that is already your login email"));
    }
    let txn = ctx.db.begin().await?;
    if store::users::email_taken(&txn, email.as_str()).await? {
        return Err(ServiceError::conflict_on("email", "this address already has an NRP login"));
    }
    let token = new_link(&txn, &user, LinkPurpose::NewEmail, email.as_str(), Duration::hours(VERIFY_HOURS)).await?;
    let message = templates::account_verify(&link(ctx, "account/verify-email", &token), VERIFY_HOURS);
    let mut o = Outgoing::account_email(&user, templates::ACCOUNT_VERIFY, message);
    o.destination = email.as_str().to_string();
    notifications::enqueue(ctx, &txn, vec![o]).await?;
    super::audit::record(
        &txn,
        meta,
        "auth.email_change_requested",
        "user",
        Some(user.id),
        json!({ "to": email.as_str() }),
    )
    .await?;
    commit_and_wake(ctx, txn, vec![]).await
}

/// One of a login's live sessions, and whether it is the caller's own.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: session::Model,
    pub current: bool,
}

/// A signed-in person: their live sessions, most recently used first.
pub async fn my_sessions(ctx: &AppContext, meta: &RequestMeta) -> ServiceResult<Vec<SessionView>> {
    let (user_id, current) = own(meta)?;
    sessions_of(ctx, user_id, current).await
}

/// Admin: a login's live sessions.
pub async fn user_sessions(ctx: &AppContext, meta: &RequestMeta, user_id: Uuid) -> ServiceResult<Vec<SessionView>> {
    meta.principal.require_admin()?;
    sessions_of(ctx, user_id, meta.principal.session_id()).await
}

async fn sessions_of(ctx: &AppContext, user_id: Uuid, current: Option<Uuid>) -> ServiceResult<Vec<SessionView>> {
    Ok(store::sessions::live_for_user(&ctx.db, user_id)
        .await?
        .into_iter()
        .map(|s| SessionView { current: Some(s.id) == current, session: s })
        .collect())
}

/// Ends one session: the person's own, or (admins) anyone's. Its tokens stop working and its
/// sockets close on every instance. An unknown or already-ended session is `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(session = %id))]
pub async fn end_session(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<()> {
    meta.principal.require_authenticated()?;
    let s = store::sessions::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("session"))?;
    if !crate::access::may_end_session(&meta.principal, s.user_id) {
        // Someone else's session is as good as unknown.
        return Err(ServiceError::not_found("session"));
    }
    let txn = ctx.db.begin().await?;
    // Under the login's row lock, as a refresh takes it: a refresh in flight either finished
    // (its new token is revoked here) or waits and then finds the family ended.
    store::users::lock(&txn, s.user_id).await?;
    if store::tokens::revoke_family(&txn, id).await? == 0 {
        return Err(ServiceError::not_found("session"));
    }
    super::audit::record(&txn, meta, "auth.session_ended", "user", Some(s.user_id), json!({ "session": id })).await?;
    super::commit(ctx, txn, vec![Event::Revoked(Revocation::Session { session_id: id })]).await
}

/// Ends every session of the caller but the current one ("sign out everywhere else"); with
/// `user_id` (admins), every session of that login. Returns how many ended.
#[tracing::instrument(skip_all)]
pub async fn end_other_sessions(ctx: &AppContext, meta: &RequestMeta, user_id: Option<Uuid>) -> ServiceResult<u64> {
    let (target, keep) = match user_id {
        Some(u) => {
            meta.principal.require_admin()?;
            store::users::find(&ctx.db, u).await?.ok_or_else(|| ServiceError::not_found("user"))?;
            // An admin ending its own sessions this way keeps the one it is using.
            let mine = matches!(&meta.principal, Principal::User { user_id, .. } if *user_id == u);
            (u, if mine { meta.principal.session_id() } else { None })
        }
        None => own(meta)?,
    };
    let txn = ctx.db.begin().await?;
    store::users::lock(&txn, target).await?;
    let ended = store::tokens::revoke_user_except(&txn, target, keep).await?;
    let count = ended.len() as u64;
    super::audit::record(&txn, meta, "auth.sessions_ended", "user", Some(target), json!({ "sessions": ended })).await?;
    super::commit(ctx, txn, vec![Event::Revoked(Revocation::Sessions { user_id: target, except: keep })]).await?;
    Ok(count)
}

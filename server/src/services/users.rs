use chrono::{Duration, Utc};
use entities::{CompanyRole, LinkPurpose, NotificationChannel, Role, user};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{Principal, RequestMeta, sha256_hex};
use crate::context::AppContext;
use crate::domain::{Email, Password};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, Revocation};
use crate::store::{self, users::NewUser, users::UserFilter};

/// A user account to create, already parsed.
pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub role: Role,
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

/// Creates a login for an admin, a contractor company or a partner. Admins (and the CLI) only.
#[tracing::instrument(skip_all, fields(role = ?new.role))]
pub async fn create(ctx: &AppContext, meta: &RequestMeta, new: NewAccount) -> ServiceResult<user::Model> {
    meta.principal.require_admin()?;
    let (contractor_id, partner_id) = match new.role {
        Role::Admin => (None, None),
        Role::Contractor => (
            Some(
                new.contractor_id
                    .ok_or_else(|| ServiceError::validation("contractorId", "a contractor user needs contractorId"))?,
            ),
            None,
        ),
        Role::Partner => (
            None,
            Some(
                new.partner_id
                    .ok_or_else(|| ServiceError::validation("partnerId", "a partner user needs partnerId"))?,
            ),
        ),
    };
    let hash = ctx.passwords.hash(new.password.expose().to_string()).await?;
    let txn = ctx.db.begin().await?;
    if store::users::email_taken(&txn, new.email.as_str()).await? {
        return Err(ServiceError::conflict_on("email", "a user with this email already exists"));
    }
    if let Some(id) = contractor_id {
        store::contractors::find(&txn, id)
            .await?
            .ok_or_else(|| ServiceError::validation("contractorId", "no such contractor"))?;
    }
    if let Some(id) = partner_id {
        store::partners::find(&txn, id)
            .await?
            .ok_or_else(|| ServiceError::validation("partnerId", "no such partner"))?;
    }
    let user = store::users::insert(
        &txn,
        NewUser {
            email: new.email.into_inner(),
            password_hash: hash,
            role: new.role,
            contractor_id,
            partner_id,
            company_role: entities::CompanyRole::Owner,
            invite_pending: false,
        },
    )
    .await?;
    super::audit::record(
        &txn,
        meta,
        "user.created",
        "user",
        Some(user.id),
        json!({ "email": user.email, "role": user.role, "contractorId": contractor_id, "partnerId": partner_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// A user by id, visible to admins and to the user itself.
pub async fn get(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<user::Model> {
    meta.principal.require_authenticated()?;
    if !crate::access::may_read_user(&meta.principal, id) {
        return Err(ServiceError::forbidden());
    }
    store::users::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("user"))
}

/// Admin: disables a login (`disabled = true`) or enables it again. Disabling revokes every
/// refresh token of the user, refuses its access token on the next HTTP request, and closes its
/// live sockets on every instance. Audited; an admin cannot disable itself.
#[tracing::instrument(skip_all, fields(user_id = %id, disabled))]
pub async fn set_disabled(
    ctx: &AppContext,
    meta: &RequestMeta,
    id: Uuid,
    disabled: bool,
    reason: Option<String>,
) -> ServiceResult<user::Model> {
    meta.principal.require_authenticated()?;
    if !meta.principal.is_admin() && !owns_company(&meta.principal) {
        return Err(ServiceError::forbidden());
    }
    let txn = ctx.db.begin().await?;
    let current = store::users::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if !crate::access::may_run_login(&meta.principal, &current) {
        // An owner meets only its own company's logins: another company's is as good as unknown.
        let same_company = (current.contractor_id.is_some() && current.contractor_id == meta.principal.contractor_id())
            || (current.partner_id.is_some() && current.partner_id == meta.principal.partner_id());
        return Err(if same_company { ServiceError::forbidden() } else { ServiceError::not_found("user") });
    }
    if disabled && matches!(&meta.principal, crate::auth::Principal::User { user_id, .. } if *user_id == id) {
        return Err(ServiceError::validation("id", "you cannot disable your own account"));
    }
    if current.disabled == disabled {
        let state = if disabled { "already disabled" } else { "not disabled" };
        return Err(ServiceError::conflict(format!("this user is {state}")));
    }
    if !disabled && current.disabled_by_nrp && !meta.principal.is_admin() {
        return Err(ServiceError::Forbidden("NRP switched this login off; only NRP can switch it on".into()));
    }
    let updated = store::users::set_disabled(&txn, id, disabled, meta.principal.is_admin()).await?;
    let revoked = if disabled { store::tokens::revoke_user(&txn, id).await? } else { 0 };
    super::audit::record(
        &txn,
        meta,
        if disabled { "user.disabled" } else { "user.enabled" },
        "user",
        Some(id),
        json!({ "email": current.email, "reason": reason, "refreshTokensRevoked": revoked }),
    )
    .await?;
    let events = if disabled { vec![Event::Revoked(Revocation::User { user_id: id })] } else { vec![] };
    super::commit(ctx, txn, events).await?;
    Ok(updated)
}

/// Whether the caller owns a company (a contractor's or partner's owner login).
fn owns_company(p: &Principal) -> bool {
    matches!(p, Principal::User { role: Role::Contractor | Role::Partner, staff: false, .. })
}

/// How long an invitation works.
pub const INVITE_DAYS: i64 = 7;

/// A staff login to invite.
pub struct Invitation {
    pub email: Email,
    /// For an admin: the company (exactly one of the two). An owner's own company otherwise.
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

/// The company an invitation is for, and the role its login gets.
fn invitation_company(p: &Principal, inv: &Invitation) -> ServiceResult<(Role, Option<Uuid>, Option<Uuid>)> {
    let named = (inv.contractor_id, inv.partner_id);
    if p.is_admin() {
        return match named {
            (Some(c), None) => Ok((Role::Contractor, Some(c), None)),
            (None, Some(pid)) => Ok((Role::Partner, None, Some(pid))),
            _ => Err(ServiceError::validation("input.contractorId", "name the company: contractorId or partnerId")),
        };
    }
    if p.is_staff() {
        return Err(ServiceError::Forbidden("only the company's owner invites staff".into()));
    }
    match (p, named) {
        (Principal::User { role: Role::Contractor, contractor_id: Some(own), .. }, (None | Some(_), None))
            if inv.contractor_id.is_none_or(|c| c == *own) =>
        {
            Ok((Role::Contractor, Some(*own), None))
        }
        (Principal::User { role: Role::Partner, partner_id: Some(own), .. }, (None, None | Some(_)))
            if inv.partner_id.is_none_or(|c| c == *own) =>
        {
            Ok((Role::Partner, None, Some(*own)))
        }
        _ => Err(ServiceError::forbidden()),
    }
}

async fn company_name(db: &impl sea_orm::ConnectionTrait, u: &user::Model) -> ServiceResult<String> {
    Ok(match (u.contractor_id, u.partner_id) {
        (Some(c), _) => store::contractors::find(db, c).await?.map(|c| c.company_name),
        (_, Some(p)) => store::partners::find(db, p).await?.map(|p| p.name),
        _ => None,
    }
    .unwrap_or_else(|| "your company".into()))
}

/// Writes the invitation link and its email for a pending login, in the caller's transaction.
async fn queue_invitation(
    ctx: &AppContext,
    db: &impl sea_orm::ConnectionTrait,
    u: &user::Model,
    inviter: &str,
) -> ServiceResult<()> {
    let token = crate::auth::new_refresh_token();
    store::account_links::replace(
        db,
        u.id,
        LinkPurpose::Invite,
        sha256_hex(&token),
        u.email.clone(),
        Utc::now() + Duration::days(INVITE_DAYS),
    )
    .await?;
    let link = format!("{}/account/accept-invite?token={token}", ctx.config.public_base_url.trim_end_matches('/'));
    let company = company_name(db, u).await?;
    let message = super::notifications::templates::account_invite(&company, inviter, &link, INVITE_DAYS);
    let o = super::notifications::Outgoing::account_email(u, super::notifications::templates::ACCOUNT_INVITE, message);
    super::notifications::enqueue(ctx, db, vec![o]).await?;
    Ok(())
}

fn inviter_name(p: &Principal) -> String {
    match p {
        Principal::User { role: Role::Admin, .. } => "NRP".into(),
        Principal::User { email, .. } => email.clone(),
        _ => "NRP".into(),
    }
}

/// Invites a staff login by email: an admin for any company, a company's owner for its own. The
/// email carries a link (seven days, once) that sets the password. Staff accept offers and work
/// jobs; they see no payouts or bank details, and change neither the company nor its staff.
#[tracing::instrument(skip_all)]
pub async fn invite(ctx: &AppContext, meta: &RequestMeta, inv: Invitation) -> ServiceResult<user::Model> {
    meta.principal.require_authenticated()?;
    let (role, contractor_id, partner_id) = invitation_company(&meta.principal, &inv)?;
    // A company NRP has not verified (or has suspended) cannot bring people in.
    if !meta.principal.is_admin()
        && let Some(c) = contractor_id
        && !store::contractors::find(&ctx.db, c).await?.is_some_and(|c| c.status == entities::ContractorStatus::Active)
    {
        return Err(ServiceError::Forbidden("your company can invite staff once NRP has verified it".into()));
    }
    if !ctx.channels.has(NotificationChannel::Email) {
        return Err(ServiceError::conflict("this server sends no email (SMTP_URL is not set), so it cannot invite"));
    }
    let who = meta.principal.audit_actor().2;
    crate::access::limits::throttle(ctx, &format!("invite:{who}"), 30, std::time::Duration::from_secs(3600)).await?;
    // A password nobody knows until the invitation sets one.
    let placeholder = ctx.passwords.hash(crate::auth::new_refresh_token()).await?;
    let txn = ctx.db.begin().await?;
    if store::users::email_taken(&txn, inv.email.as_str()).await? {
        return Err(ServiceError::conflict_on("input.email", "this address already has an NRP login"));
    }
    if let Some(c) = contractor_id {
        store::contractors::find(&txn, c).await?.ok_or_else(|| ServiceError::not_found("contractor"))?;
    }
    if let Some(p) = partner_id {
        store::partners::find(&txn, p).await?.ok_or_else(|| ServiceError::not_found("partner"))?;
    }
    let u = store::users::insert(
        &txn,
        NewUser {
            email: inv.email.into_inner(),
            password_hash: placeholder,
            role,
            contractor_id,
            partner_id,
            company_role: CompanyRole::Staff,
            invite_pending: true,
        },
    )
    .await?;
    queue_invitation(ctx, &txn, &u, &inviter_name(&meta.principal)).await?;
    super::audit::record(
        &txn,
        meta,
        "user.invited",
        "user",
        Some(u.id),
        json!({ "email": u.email, "role": role, "contractorId": contractor_id, "partnerId": partner_id }),
    )
    .await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(u)
}

/// Sends a pending invitation again (a new link; the old one stops working).
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn resend_invite(ctx: &AppContext, meta: &RequestMeta, id: Uuid) -> ServiceResult<user::Model> {
    meta.principal.require_authenticated()?;
    let txn = ctx.db.begin().await?;
    let u = store::users::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if !crate::access::may_run_login(&meta.principal, &u) {
        return Err(ServiceError::not_found("user"));
    }
    if !u.invite_pending {
        return Err(ServiceError::conflict("this login accepted its invitation already"));
    }
    let who = meta.principal.audit_actor().2;
    crate::access::limits::throttle(ctx, &format!("invite:{who}"), 30, std::time::Duration::from_secs(3600)).await?;
    queue_invitation(ctx, &txn, &u, &inviter_name(&meta.principal)).await?;
    super::audit::record(&txn, meta, "user.invite_resent", "user", Some(u.id), json!({ "email": u.email })).await?;
    txn.commit().await?;
    ctx.notifications_queued.notify_one();
    Ok(u)
}

/// Anyone holding an invitation link: sets the login's password (the password rules apply),
/// proves its email, and the login can sign in. Returns its email.
#[tracing::instrument(skip_all)]
pub async fn accept_invite(ctx: &AppContext, meta: &RequestMeta, token: &str, password: &str) -> ServiceResult<String> {
    let password = Password::parse(password).map_err(|m| ServiceError::validation("password", m))?;
    let found = super::accounts::live_link(&ctx.db, token, LinkPurpose::Invite).await?;
    let hash = ctx.passwords.hash(password.expose().to_string()).await?;
    let txn = ctx.db.begin().await?;
    let u = store::users::lock(&txn, found.user_id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if u.disabled {
        return Err(ServiceError::validation("token", "this login was disabled; ask whoever invited you"));
    }
    if !store::account_links::spend(&txn, found.id).await? || !store::users::accept_invite(&txn, u.id, hash).await? {
        return Err(ServiceError::validation("token", "this invitation was used already; sign in instead"));
    }
    super::notifications::settings::mark_email_proven(&txn, u.id, Utc::now()).await?;
    let meta = RequestMeta { principal: super::auth::principal_of(&u), ..meta.clone() };
    super::audit::record(&txn, &meta, "user.invite_accepted", "user", Some(u.id), json!({ "email": u.email })).await?;
    txn.commit().await?;
    Ok(u.email)
}

/// Logins: every one for admins, a company's own for its owner. Search by email, filter by
/// role and standing.
pub async fn list(
    ctx: &AppContext,
    meta: &RequestMeta,
    mut filter: UserFilter,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<user::Model>, u64)> {
    meta.principal.require_authenticated()?;
    if !meta.principal.is_admin() {
        match &meta.principal {
            Principal::User { role: Role::Contractor, contractor_id: Some(c), staff: false, .. } => {
                filter.contractor_id = Some(*c);
            }
            Principal::User { role: Role::Partner, partner_id: Some(p), staff: false, .. } => {
                filter.partner_id = Some(*p);
            }
            _ => return Err(ServiceError::Forbidden("only admins and a company's owner list logins".into())),
        }
    }
    let rows = store::users::page(&ctx.db, &filter, before, limit).await?;
    let total = store::users::count(&ctx.db, &filter).await?;
    Ok((rows, total))
}

/// Where a login stands (the API's `UserStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Standing {
    /// Signs in.
    Active,
    /// Invited; the invitation has not set a password yet.
    Invited,
    /// Switched off.
    Disabled,
}

impl Standing {
    pub fn of(u: &user::Model) -> Standing {
        match (u.disabled, u.invite_pending) {
            (true, _) => Standing::Disabled,
            (false, true) => Standing::Invited,
            (false, false) => Standing::Active,
        }
    }
}

/// A list's filter: part of the email, the role, the standing, and the days added on (first and
/// last on NRP's clock, the last inclusive; a range backwards is refused on its field).
pub fn filter(
    search: Option<&str>,
    role: Option<Role>,
    standing: Option<Standing>,
    added: (chrono_tz::Tz, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>, &str),
) -> ServiceResult<UserFilter> {
    let (zone, from, to, to_field) = added;
    let (added_from, added_before) = crate::domain::zones::day_range(zone, from, to, to_field)?;
    Ok(UserFilter {
        search: search.map(str::trim).filter(|s| !s.is_empty()).map(String::from),
        role,
        disabled: standing.map(|s| s == Standing::Disabled),
        invite_pending: match standing {
            Some(Standing::Invited) => Some(true),
            Some(Standing::Active) => Some(false),
            Some(Standing::Disabled) | None => None,
        },
        contractor_id: None,
        partner_id: None,
        added_from,
        added_before,
    })
}

/// The logins a list shows (same filter and scope, newest first), as CSV: at most
/// [`super::csv_out::MAX_ROWS`]. No secrets: no password hash, factor or session data.
pub async fn list_csv(ctx: &AppContext, meta: &RequestMeta, filter: UserFilter) -> ServiceResult<String> {
    use super::leads::wire_name;
    let (rows, total) = list(ctx, meta, filter, None, super::csv_out::MAX_ROWS).await?;
    super::csv_out::fits(total, "logins", "email, role, status, dates")?;
    let mut w = super::csv_out::CsvOut::default();
    w.row([
        "user_id",
        "email",
        "role",
        "company_role",
        "contractor_id",
        "partner_id",
        "status",
        "added_at",
        "last_sign_in_at",
    ])?;
    for u in &rows {
        w.row([
            u.id.to_string(),
            u.email.clone(),
            wire_name(&u.role),
            wire_name(&u.company_role),
            u.contractor_id.map(|i| i.to_string()).unwrap_or_default(),
            u.partner_id.map(|i| i.to_string()).unwrap_or_default(),
            wire_name(&Standing::of(u)),
            u.created_at.to_rfc3339(),
            u.last_login_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

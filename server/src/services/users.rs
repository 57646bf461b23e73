use entities::{Role, user};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::auth::RequestMeta;
use crate::context::AppContext;
use crate::domain::{Email, Password};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{Event, Revocation};
use crate::store::{self, users::NewUser};

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
        NewUser { email: new.email.into_inner(), password_hash: hash, role: new.role, contractor_id, partner_id },
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
    meta.principal.require_admin()?;
    if disabled && matches!(&meta.principal, crate::auth::Principal::User { user_id, .. } if *user_id == id) {
        return Err(ServiceError::validation("id", "you cannot disable your own account"));
    }
    let txn = ctx.db.begin().await?;
    let current = store::users::find(&txn, id).await?.ok_or_else(|| ServiceError::not_found("user"))?;
    if current.disabled == disabled {
        let state = if disabled { "already disabled" } else { "not disabled" };
        return Err(ServiceError::conflict(format!("this user is {state}")));
    }
    let updated = store::users::set_disabled(&txn, id, disabled).await?;
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

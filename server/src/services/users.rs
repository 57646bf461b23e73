use entities::{Role, user};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::auth::{RequestMeta, hash_password};
use crate::context::AppContext;
use crate::domain::{Email, Password};
use crate::error::{ServiceError, ServiceResult};
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
    let hash = hash_password(new.password.expose().to_string()).await?;
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
    let own = matches!(&meta.principal, crate::auth::Principal::User { user_id, .. } if *user_id == id);
    if !own && !meta.principal.is_admin() {
        return Err(ServiceError::forbidden());
    }
    store::users::find(&ctx.db, id).await?.ok_or_else(|| ServiceError::not_found("user"))
}

use chrono::Utc;
use entities::{CompanyRole, Role, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// A user row to insert.
pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub company_role: CompanyRole,
    /// Invited: no password works until the invitation sets one.
    pub invite_pending: bool,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewUser) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email),
        password_hash: Set(new.password_hash),
        role: Set(new.role),
        contractor_id: Set(new.contractor_id),
        partner_id: Set(new.partner_id),
        disabled: Set(false),
        created_at: Set(Utc::now()),
        last_login_at: Set(None),
        company_role: Set(new.company_role),
        invite_pending: Set(new.invite_pending),
        disabled_by_nrp: Set(false),
    }
    .insert(db)
    .await
}

pub async fn find_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

pub async fn email_taken(db: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    Ok(find_by_email(db, email).await?.is_some())
}

pub async fn touch_last_login(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Utc::now().into())
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The users who log in for a contractor company.
pub async fn for_contractor(db: &impl ConnectionTrait, contractor_id: Uuid) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find().filter(user::Column::ContractorId.eq(contractor_id)).all(db).await
}

/// NRP's admins who can still sign in.
pub async fn active_admins(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Disabled.eq(false))
        .all(db)
        .await
}

/// Sets `disabled` (and whether NRP did it) and returns the user as it now is.
pub async fn set_disabled(
    db: &impl ConnectionTrait,
    id: Uuid,
    disabled: bool,
    by_nrp: bool,
) -> Result<user::Model, DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Disabled, disabled.into())
        .col_expr(user::Column::DisabledByNrp, (disabled && by_nrp).into())
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    find(db, id).await?.ok_or(DbErr::RecordNotFound("user".into()))
}

/// The user, with its row locked for the rest of the transaction (PostgreSQL; SQLite has one
/// writer anyway): a session issued under this lock cannot race a `disableUser`.
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    use sea_orm::QuerySelect;
    user::Entity::find_by_id(id).lock_exclusive().one(db).await
}

/// Replaces the login's password hash. A password its owner set through its own email ends a
/// pending invitation too.
pub async fn set_password(db: &impl ConnectionTrait, id: Uuid, password_hash: String) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, password_hash.into())
        .col_expr(user::Column::InvitePending, false.into())
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Filters for the admins' list of logins.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Part of the email, any case.
    pub search: Option<String>,
    pub role: Option<Role>,
    /// `Some(true)`: disabled only; `Some(false)`: not disabled.
    pub disabled: Option<bool>,
    /// `Some(true)`: invitations not yet accepted only.
    pub invite_pending: Option<bool>,
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    /// Added (created or invited) at or after this instant.
    pub added_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Added before this instant.
    pub added_before: Option<chrono::DateTime<chrono::Utc>>,
}

fn filtered(f: &UserFilter) -> sea_orm::Select<user::Entity> {
    let mut q = user::Entity::find();
    if let Some(s) = &f.search {
        q = q.filter(super::contains_ci(user::Column::Email, s));
    }
    if let Some(r) = f.role {
        q = q.filter(user::Column::Role.eq(r));
    }
    if let Some(d) = f.disabled {
        q = q.filter(user::Column::Disabled.eq(d));
    }
    if let Some(i) = f.invite_pending {
        q = q.filter(user::Column::InvitePending.eq(i));
    }
    if let Some(c) = f.contractor_id {
        q = q.filter(user::Column::ContractorId.eq(c));
    }
    if let Some(p) = f.partner_id {
        q = q.filter(user::Column::PartnerId.eq(p));
    }
    if let Some(t) = f.added_from {
        q = q.filter(user::Column::CreatedAt.gte(t));
    }
    if let Some(t) = f.added_before {
        q = q.filter(user::Column::CreatedAt.lt(t));
    }
    q
}

/// Newest first; `before` is the id of the last row of the previous page.
pub async fn page(
    db: &impl ConnectionTrait,
    f: &UserFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = filtered(f);
    if let Some(b) = before {
        q = q.filter(user::Column::Id.lt(b));
    }
    q.order_by_desc(user::Column::Id).limit(limit).all(db).await
}

pub async fn count(db: &impl ConnectionTrait, f: &UserFilter) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    filtered(f).count(db).await
}

/// An accepted invitation: the password it set, and the login is no longer pending.
pub async fn accept_invite(db: &impl ConnectionTrait, id: Uuid, password_hash: String) -> Result<bool, DbErr> {
    let res = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, password_hash.into())
        .col_expr(user::Column::InvitePending, false.into())
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::InvitePending.eq(true))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Moves the login to another email address.
pub async fn set_email(db: &impl ConnectionTrait, id: Uuid, email: &str) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Email, email.into())
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

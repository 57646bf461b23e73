use chrono::Utc;
use entities::{Role, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// A user row to insert.
pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub contractor_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
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

/// Sets `disabled` and returns the user as it now is.
pub async fn set_disabled(db: &impl ConnectionTrait, id: Uuid, disabled: bool) -> Result<user::Model, DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::Disabled, disabled.into())
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

/// Replaces the login's password hash.
pub async fn set_password(db: &impl ConnectionTrait, id: Uuid, password_hash: String) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, password_hash.into())
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

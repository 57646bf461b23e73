use chrono::{DateTime, Utc};
use entities::refresh_token;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// Revokes every live token of a user (the account was disabled).
pub async fn revoke_user(db: &impl ConnectionTrait, user_id: Uuid) -> Result<u64, DbErr> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Utc::now().into())
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
use uuid::Uuid;

pub async fn insert(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> Result<refresh_token::Model, DbErr> {
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        rotated_at: Set(None),
        grace_used_at: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find_by_hash(db: &impl ConnectionTrait, hash: &str) -> Result<Option<refresh_token::Model>, DbErr> {
    refresh_token::Entity::find().filter(refresh_token::Column::TokenHash.eq(hash)).one(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<refresh_token::Model>, DbErr> {
    refresh_token::Entity::find_by_id(id).one(db).await
}

/// Whether any token of the family is still live (not logged out, not revoked for reuse).
pub async fn family_live(db: &impl ConnectionTrait, family_id: Uuid) -> Result<bool, DbErr> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
        .is_some())
}

/// Retires one token by rotation if it is still live. Returns false when someone else retired it
/// first, which is how two concurrent refreshes with the same token are told apart: one wins.
pub async fn rotate_if_live(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let now = Utc::now();
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, now.into())
        .col_expr(refresh_token::Column::RotatedAt, now.into())
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Revokes every live token of a login family.
pub async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> Result<u64, DbErr> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Utc::now().into())
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Spends a rotated token's one grace redemption. Returns false when it was spent already.
pub async fn use_grace(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let res = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::GraceUsedAt, Utc::now().into())
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::GraceUsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Revokes every live token of a login except those of one family (the session kept). Returns
/// the families it ended.
pub async fn revoke_user_except(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::QuerySelect;
    let mut q = refresh_token::Entity::find()
        .select_only()
        .column(refresh_token::Column::FamilyId)
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .distinct();
    if let Some(k) = keep {
        q = q.filter(refresh_token::Column::FamilyId.ne(k));
    }
    let families: Vec<Uuid> = q.into_tuple().all(db).await?;
    if families.is_empty() {
        return Ok(families);
    }
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Utc::now().into())
        .filter(refresh_token::Column::FamilyId.is_in(families.clone()))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(families)
}

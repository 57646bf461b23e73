use chrono::{DateTime, Utc};
use entities::{LinkPurpose, account_link};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// Stores a new link, retiring the login's unused links of the same purpose (only the newest
/// works).
pub async fn replace(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: LinkPurpose,
    token_hash: String,
    email: String,
    expires_at: DateTime<Utc>,
) -> Result<account_link::Model, DbErr> {
    retire(db, user_id, purpose).await?;
    account_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose),
        token_hash: Set(token_hash),
        email: Set(email),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await
}

/// Retires every unused link of the login for this purpose.
pub async fn retire(db: &impl ConnectionTrait, user_id: Uuid, purpose: LinkPurpose) -> Result<u64, DbErr> {
    let res = account_link::Entity::update_many()
        .col_expr(account_link::Column::UsedAt, Utc::now().into())
        .filter(account_link::Column::UserId.eq(user_id))
        .filter(account_link::Column::Purpose.eq(purpose))
        .filter(account_link::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

pub async fn find_by_hash(db: &impl ConnectionTrait, hash: &str) -> Result<Option<account_link::Model>, DbErr> {
    account_link::Entity::find().filter(account_link::Column::TokenHash.eq(hash)).one(db).await
}

/// Spends a link if it is still unused. False when someone spent it first: of two uses at once,
/// one wins.
pub async fn spend(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let res = account_link::Entity::update_many()
        .col_expr(account_link::Column::UsedAt, Utc::now().into())
        .filter(account_link::Column::Id.eq(id))
        .filter(account_link::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

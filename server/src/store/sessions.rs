use chrono::Utc;
use entities::{refresh_token, session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::RequestMeta;

fn address(meta: &RequestMeta) -> Option<String> {
    meta.client_ip.map(|ip| ip.to_string())
}

/// Records a new session (a login's new refresh-token family).
pub async fn open(db: &impl ConnectionTrait, id: Uuid, user_id: Uuid, meta: &RequestMeta) -> Result<(), DbErr> {
    let now = Utc::now();
    session::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        user_agent: Set(meta.user_agent.clone()),
        ip_address: Set(address(meta)),
        created_at: Set(now),
        last_used_at: Set(now),
        second_factor_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A refresh: the session was used now, from this address. A family older than sessions has no
/// row yet; it gets one.
pub async fn touch(db: &impl ConnectionTrait, id: Uuid, user_id: Uuid, meta: &RequestMeta) -> Result<(), DbErr> {
    let res = session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Utc::now().into())
        .col_expr(session::Column::IpAddress, address(meta).into())
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        open(db, id, user_id, meta).await?;
    }
    Ok(())
}

/// A login's live sessions (a family with a live token), most recently used first.
pub async fn live_for_user(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<session::Model>, DbErr> {
    let live: Vec<Uuid> = refresh_token::Entity::find()
        .select_only()
        .column(refresh_token::Column::FamilyId)
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(Utc::now()))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    if live.is_empty() {
        return Ok(vec![]);
    }
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.is_in(live))
        .order_by_desc(session::Column::LastUsedAt)
        .all(db)
        .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find_by_id(id).one(db).await
}

/// Marks the session as having passed a second factor.
pub async fn mark_second_factor(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::SecondFactorAt, Utc::now().into())
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

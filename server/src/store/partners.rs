use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entities::{PartnerKind, api_key, partner};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

pub async fn insert(
    db: &impl ConnectionTrait,
    name: String,
    kind: PartnerKind,
    webhook_url: Option<String>,
) -> Result<partner::Model, DbErr> {
    partner::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(kind),
        webhook_url: Set(webhook_url),
        webhook_secret: Set(None),
        active: Set(true),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<partner::Model>, DbErr> {
    partner::Entity::find_by_id(id).one(db).await
}

pub async fn find_many(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<partner::Model>, DbErr> {
    partner::Entity::find().filter(partner::Column::Id.is_in(ids.iter().copied())).all(db).await
}

pub async fn find_by_name(db: &impl ConnectionTrait, name: &str) -> Result<Option<partner::Model>, DbErr> {
    partner::Entity::find().filter(partner::Column::Name.eq(name)).one(db).await
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<partner::Model>, DbErr> {
    partner::Entity::find().order_by_asc(partner::Column::Name).all(db).await
}

/// An API key row to insert; `key_hash` is the SHA-256 of the secret.
pub struct NewApiKey {
    pub partner_id: Uuid,
    pub label: String,
    pub prefix: String,
    pub key_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert_api_key(db: &impl ConnectionTrait, new: NewApiKey) -> Result<api_key::Model, DbErr> {
    api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        partner_id: Set(new.partner_id),
        label: Set(new.label),
        prefix: Set(new.prefix),
        key_hash: Set(new.key_hash),
        created_at: Set(Utc::now()),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        rate_limit_per_minute: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find_api_key(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::find_by_id(id).one(db).await
}

/// A key together with its partner, looked up by the secret's hash.
pub async fn find_api_key_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<(api_key::Model, partner::Model)>, DbErr> {
    let Some(key) = api_key::Entity::find().filter(api_key::Column::KeyHash.eq(hash)).one(db).await? else {
        return Ok(None);
    };
    Ok(find(db, key.partner_id).await?.map(|p| (key, p)))
}

pub async fn revoke_api_key(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let res = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records use at most once a minute per key, so busy integrations do not write on every call.
pub async fn touch_api_key(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    let now = Utc::now();
    api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(api_key::Column::LastUsedAt.is_null())
                .add(api_key::Column::LastUsedAt.lt(now - Duration::seconds(60))),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// API keys of many partners in one query, newest first.
pub async fn api_keys_of(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<api_key::Model>>, DbErr> {
    let rows = api_key::Entity::find()
        .filter(api_key::Column::PartnerId.is_in(ids.iter().copied()))
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?;
    let mut map: HashMap<Uuid, Vec<api_key::Model>> = HashMap::new();
    for r in rows {
        map.entry(r.partner_id).or_default().push(r);
    }
    Ok(map)
}

/// Sets `active` and returns the partner as it now is.
pub async fn set_active(db: &impl ConnectionTrait, id: Uuid, active: bool) -> Result<partner::Model, DbErr> {
    partner::Entity::update_many()
        .col_expr(partner::Column::Active, Expr::value(active))
        .filter(partner::Column::Id.eq(id))
        .exec(db)
        .await?;
    find(db, id).await?.ok_or(DbErr::RecordNotFound("partner".into()))
}

/// Sets a key's own operations-per-minute budget (`None` = the default) and returns the key.
pub async fn set_api_key_rate_limit(
    db: &impl ConnectionTrait,
    id: Uuid,
    per_minute: Option<i32>,
) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RateLimitPerMinute, Expr::value(per_minute))
        .filter(api_key::Column::Id.eq(id))
        .exec(db)
        .await?;
    find_api_key(db, id).await
}

/// Swaps a partner's stored webhook secret for another, only if it is still `from`.
pub async fn replace_secret(db: &impl ConnectionTrait, id: Uuid, from: &str, to: &str) -> Result<bool, DbErr> {
    let res = partner::Entity::update_many()
        .col_expr(partner::Column::WebhookSecret, Expr::value(Some(to.to_string())))
        .filter(partner::Column::Id.eq(id))
        .filter(partner::Column::WebhookSecret.eq(from))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

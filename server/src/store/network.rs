//! What routing keeps of the network in memory (`services::routing::network`), read from the
//! database: every contractor's routing facts, or only those changed since a stamp
//! (`contractors.routing_changed_us`, set by triggers on the database's clock), and the offers
//! made in a span of time.

use chrono::{DateTime, Utc};
use entities::{ContractorStatus, contractor, offer};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Statement,
};
use uuid::Uuid;

/// A contractor's routing facts as its row holds them.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RoutingRow {
    pub id: Uuid,
    pub company_name: String,
    pub status: ContractorStatus,
    pub paused_until: Option<DateTime<Utc>>,
    pub base_postcode: String,
    pub base_latitude: Option<f64>,
    pub base_longitude: Option<f64>,
    pub service_radius_km: i32,
    pub active_jobs: i32,
    pub max_active_jobs: i32,
    pub daily_lead_cap: Option<i32>,
    pub performance_score: f64,
    pub avg_response_secs: Option<i64>,
    pub avg_rating: Option<f64>,
    pub routing_changed_us: i64,
}

const STAMP: &str = "routing_changed_us";

/// The database's clock, in the stamp's unit, and on PostgreSQL when the oldest transaction still
/// open on this database began (its stamps may commit later; SQLite has one writer, whose
/// transaction holds the only connection while it lasts).
pub async fn clock_us(db: &impl ConnectionTrait) -> Result<(i64, Option<i64>), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT nrp_routing_now() AS now, \
             (SELECT (extract(epoch FROM min(xact_start)) * 1000000)::bigint FROM pg_stat_activity \
              WHERE datname = current_database() AND backend_type = 'client backend' \
                AND pid <> pg_backend_pid()) AS oldest"
        }
        _ => "SELECT CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER) AS now, NULL AS oldest",
    };
    let row = db.query_one_raw(Statement::from_string(backend, sql)).await?;
    let row = row.ok_or_else(|| DbErr::RecordNotFound("the database clock".into()))?;
    Ok((row.try_get::<i64>("", "now")?, row.try_get::<Option<i64>>("", "oldest")?))
}

/// Every contractor's routing facts, or those whose stamp is at or after `since`.
pub async fn rows(db: &impl ConnectionTrait, since: Option<i64>) -> Result<Vec<RoutingRow>, DbErr> {
    use contractor::Column as C;
    let mut q = contractor::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::CompanyName,
            C::Status,
            C::PausedUntil,
            C::BasePostcode,
            C::BaseLatitude,
            C::BaseLongitude,
            C::ServiceRadiusKm,
            C::ActiveJobs,
            C::MaxActiveJobs,
            C::DailyLeadCap,
            C::PerformanceScore,
            C::AvgResponseSecs,
            C::AvgRating,
        ])
        .column_as(Expr::col(Alias::new(STAMP)), STAMP);
    if let Some(since) = since {
        q = q.filter(Expr::col(Alias::new(STAMP)).gte(since));
    }
    q.into_model::<RoutingRow>().all(db).await
}

/// The offers made at or after `from` (and before `to`): who got each, and when.
pub async fn offer_times(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<(Uuid, DateTime<Utc>)>, DbErr> {
    let mut q = offer::Entity::find()
        .select_only()
        .column(offer::Column::ContractorId)
        .column(offer::Column::CreatedAt)
        .filter(offer::Column::CreatedAt.gte(from));
    if let Some(to) = to {
        q = q.filter(offer::Column::CreatedAt.lt(to));
    }
    q.into_tuple().all(db).await
}
